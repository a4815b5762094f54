"""The left navigation: what each role sees, which entry is current, and the pages of other
layers (sign-in settings, subscription, moderation queue) wearing the same shell."""

from __future__ import annotations

import pytest

from engagement.backoffice.access import BackofficeRole
from engagement.backoffice.navigation import NAVIGATION, navigation_for

pytestmark = pytest.mark.django_db


def test_a_moderator_sees_only_the_entries_open_to_moderators():
    links = navigation_for(BackofficeRole.MODERATOR, path="/gestion/")

    assert [link.url for link in links] == ["/gestion/", "/organisation/moderation/"]


def test_an_admin_sees_every_entry():
    links = navigation_for(BackofficeRole.ADMIN, path="/gestion/")

    assert len(links) == len(NAVIGATION)
    assert "/billing/" in [link.url for link in links]


def test_the_overview_is_current_on_itself_only():
    on_home = navigation_for(BackofficeRole.ADMIN, path="/gestion/")
    on_saml = navigation_for(BackofficeRole.ADMIN, path="/accounts/settings/sign-in/saml/")

    assert [link.url for link in on_home if link.is_current] == ["/gestion/"]
    assert [link.url for link in on_saml if link.is_current] == ["/accounts/settings/sign-in/"]


@pytest.mark.parametrize(
    "path", ["/organisation/moderation/", "/accounts/settings/sign-in/", "/billing/"]
)
def test_pages_of_other_layers_wear_the_back_office_shell(paris, backoffice_admin, path):
    client = backoffice_admin(paris)

    page = client.get(path).content.decode()

    assert '<nav class="backoffice-nav"' in page
    assert f'<a href="{path}" aria-current="page">' in page
    assert '<a href="/gestion/">' in page
