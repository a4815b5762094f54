"""Reads of the legal pages, and what the terms check costs: at most one query, none once the
cache knows the latest terms and what the person accepted."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from tenants.legal.cache import accepted_terms_key, latest_terms_key
from tenants.legal.defaults import VersionContent
from tenants.legal.models import LegalDocument, LegalVersion
from tenants.legal.selectors import (
    legal_version_current,
    legal_version_get,
    legal_versions_current,
    legal_versions_of,
    terms_latest_number,
    terms_status,
)
from tenants.legal.services import legal_version_publish, terms_accept
from tests.engagement.factories import UserFactory

pytestmark = pytest.mark.django_db


def _publish_terms(text: str = "<p>Nouvelles conditions</p>") -> LegalVersion:
    return legal_version_publish(
        kind="terms", content=VersionContent(bodies={"fr": text}), actor=None
    )


def test_the_first_check_costs_one_query_then_none(in_paris, django_assert_num_queries):
    user = UserFactory()

    with django_assert_num_queries(1):
        first = terms_status(user_id=user.pk)
    with django_assert_num_queries(0):
        again = terms_status(user_id=user.pk)

    assert (first.latest, first.accepted, first.acceptance_needed) == (1, 0, True)
    assert again == first


def test_another_person_costs_one_query_while_the_latest_is_cached(
    in_paris, django_assert_num_queries
):
    first, second = UserFactory(), UserFactory()
    terms_status(user_id=first.pk)

    with django_assert_num_queries(1):
        status = terms_status(user_id=second.pk)

    assert status.latest == 1


def test_the_latest_alone_costs_one_query_when_the_acceptance_is_cached(
    in_paris, django_assert_num_queries
):
    user = UserFactory()
    terms_status(user_id=user.pk)
    cache.delete(latest_terms_key())

    with django_assert_num_queries(1):
        status = terms_status(user_id=user.pk)

    assert (status.latest, status.accepted) == (1, 0)


def test_accepting_is_seen_at_once(in_paris):
    user = UserFactory()
    assert terms_status(user_id=user.pk).acceptance_needed

    terms_accept(user=user, number=1)

    assert terms_status(user_id=user.pk).acceptance_needed is False
    assert terms_status(user_id=user.pk).accepted == 1


def test_a_new_version_is_seen_at_once(in_paris, django_capture_on_commit_callbacks):
    user = UserFactory()
    terms_accept(user=user, number=1)
    assert not terms_status(user_id=user.pk).acceptance_needed

    with django_capture_on_commit_callbacks(execute=True):
        _publish_terms()

    status = terms_status(user_id=user.pk)
    assert (status.latest, status.accepted, status.acceptance_needed) == (2, 1, True)
    assert terms_latest_number() == 2


def test_publishing_another_document_keeps_the_cached_terms(in_paris):
    user = UserFactory()
    terms_status(user_id=user.pk)

    legal_version_publish(
        kind="cookies", content=VersionContent(bodies={"fr": "<p>v2</p>"}), actor=None
    )

    assert cache.get(latest_terms_key()) == 1


def test_without_terms_nothing_is_needed_and_nothing_asked(in_paris, django_assert_num_queries):
    LegalVersion.objects.filter(document__kind="terms").delete()
    LegalDocument.objects.filter(kind="terms").delete()
    user = UserFactory()

    with django_assert_num_queries(1):
        assert terms_status(user_id=user.pk).acceptance_needed is False
    cache.delete(accepted_terms_key(user.pk))
    with django_assert_num_queries(0):
        assert terms_status(user_id=user.pk).acceptance_needed is False


def test_the_cache_is_per_tenant(paris, montreal, django_capture_on_commit_callbacks):
    connection.set_tenant(paris)
    with django_capture_on_commit_callbacks(execute=True):
        _publish_terms()
    assert terms_latest_number() == 2

    connection.set_tenant(montreal)
    assert terms_latest_number() == 1


def test_current_versions_of_every_document_cost_one_query(in_paris, django_assert_num_queries):
    _publish_terms()

    with django_assert_num_queries(1):
        current = legal_versions_current()
        numbers = {kind: version.number for kind, version in current.items()}

    assert numbers == {"notice": 1, "privacy": 1, "terms": 2, "accessibility": 1, "cookies": 1}


def test_versions_of_a_document_latest_first(in_paris):
    _publish_terms()
    _publish_terms("<p>v3</p>")

    assert [version.number for version in legal_versions_of(kind="terms")] == [3, 2, 1]
    assert legal_version_current(kind="terms").body_fr == "<p>v3</p>"  # type: ignore[union-attr]


@pytest.mark.parametrize("number", [0, -1, 4, 2**31, 2**63])
def test_a_version_that_does_not_exist_is_not_found(in_paris, number):
    with pytest.raises(LegalVersion.DoesNotExist):
        legal_version_get(kind="terms", number=number)
