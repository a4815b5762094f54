"""The session engine (tenants/sessions.py): Django's database sessions read with one statement;
what it loads is what Django's own engine loads, in the tenant's schema only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tenants.context import tenant_context
from tenants.sessions import SessionStore
from tests.engagement.factories import UserFactory

pytestmark = pytest.mark.django_db


def _saved(data: dict) -> str:  # type: ignore[type-arg]
    store = SessionStore()
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


def test_it_is_the_engine_in_use() -> None:
    assert settings.SESSION_ENGINE == "tenants.sessions"


def test_a_saved_session_loads_its_data_in_one_statement(in_paris, django_assert_num_queries):
    key = _saved({"answer": 42, "words": ["à", "bientôt"]})

    with django_assert_num_queries(1):
        loaded = SessionStore(session_key=key).load()

    assert loaded == {"answer": 42, "words": ["à", "bientôt"]}
    assert loaded == DjangoSessionStore(session_key=key).load()


@pytest.mark.parametrize("case", ["expired", "unknown", "no key", "tampered"])
def test_a_session_that_cannot_be_read_is_empty_as_with_djangos_engine(in_paris, case):
    """Empty; a key that names no live row is forgotten (a new one is made on save), one whose
    data fails its signature is kept, as Django's engine does."""
    key = _saved({"answer": 42})
    if case == "expired":
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
    elif case == "unknown":
        key = "x" * 32
    elif case == "tampered":
        Session.objects.filter(session_key=key).update(session_data="eyJhbnN3ZXIiOjQzfQ:bad:sig")
    store = SessionStore(session_key=None if case == "no key" else key)
    django_store = DjangoSessionStore(session_key=None if case == "no key" else key)

    assert store.load() == {} == django_store.load()
    assert store.session_key == django_store.session_key
    assert (store.session_key is None) is (case != "tampered")


def test_another_tenants_session_is_nobody_here(paris, montreal):
    with tenant_context(paris):
        key = _saved({"answer": 42})
        assert SessionStore(session_key=key).load() == {"answer": 42}
    with tenant_context(montreal):
        assert SessionStore(session_key=key).load() == {}


def test_a_signed_in_person_is_known_on_the_next_request(paris, montreal):
    with tenant_context(paris):
        user = UserFactory()
    client = Client(HTTP_HOST=paris.primary_host)
    with tenant_context(paris):
        client.force_login(user)
    assert client.get("/mes-engagements/").status_code == 200

    # The same cookie on another tenant's host is nobody there.
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    elsewhere = Client(HTTP_HOST=montreal.primary_host)
    elsewhere.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert elsewhere.get("/mes-engagements/").status_code == 302
