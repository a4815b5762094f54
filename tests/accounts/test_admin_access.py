"""Who reaches the Django admin of a tenant: active staff only; a signed-in user without access
gets a clear 403 page at once (no redirect loop between the admin and the login page)."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import User
from tests.accounts.conftest import login, make_user
from tests.engagement.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ADMIN_PATHS = ("/admin/", "/admin/login/?next=/admin/", "/admin/engagement/mission/")


@pytest.mark.parametrize("role", [User.Role.VOLUNTEER, User.Role.MODERATOR])
@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_a_signed_in_user_without_access_gets_a_403_page_not_a_loop(paris, client_for, role, path):
    make_user(paris, "someone@paris.example", role=role)
    client = client_for(paris)
    login(client, "someone@paris.example")

    response = client.get(path, follow=True)

    assert response.status_code == 403
    assert response.redirect_chain == []
    assert "text/html" in response["Content-Type"]


def test_an_organization_admin_is_refused_too(paris, client_for):
    user = make_user(paris, "asso@paris.example")
    with tenant_context(paris):
        MembershipFactory(organization=OrganizationFactory(), user=user, role="admin")
    client = client_for(paris)
    login(client, "asso@paris.example")

    assert client.get("/admin/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(paris, client_for):
    response = client_for(paris).get("/admin/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_session_of_another_tenant_is_nobody_here(paris, montreal, client_for):
    make_user(paris, "someone@paris.example")
    client = client_for(paris)
    login(client, "someone@paris.example")

    elsewhere = client_for(montreal)
    elsewhere.cookies = client.cookies
    response = elsewhere.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
