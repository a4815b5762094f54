"""The back office's left navigation: one entry per part, in the order admins see them.

Each part adds its entry here (a URL name and a label); `admins_only` entries are hidden from
moderators, whose views refuse them anyway (`backoffice_page(admins_only=True)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from engagement.backoffice.access import BackofficeRole


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    admins_only: bool = True
    # Shown on company tenants only (the company programme's parts).
    companies_only: bool = False


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("backoffice:home", _("Overview"), admins_only=False),
    NavEntry("engagement:moderation-queue", _("Moderation queue"), admins_only=False),
    # Parts of issue 13 insert their entries below, one line each, in this order:
    # statistics, exports, people, settings, domains, legal, integrations, audit.
    NavEntry("backoffice:statistics", _("Statistics")),
    NavEntry("backoffice:reports", _("CSR report")),
    NavEntry("backoffice:exports", _("Exports")),
    NavEntry("backoffice:people", _("People")),
    NavEntry("backoffice:settings", _("Settings")),
    NavEntry("backoffice:domains", _("Custom domain")),
    NavEntry("backoffice:legal", _("Legal pages")),
    NavEntry("backoffice:sharing", _("Mission sharing")),
    NavEntry("backoffice:integrations", _("Integrations")),
    NavEntry("backoffice:directory", _("Company directory (SCIM)"), companies_only=True),
    NavEntry("backoffice:audit-log", _("Audit log")),
    # Company programmes (issue 15): settings, sites and teams; campaigns (any tenant).
    NavEntry("backoffice:programme", _("Programme")),
    NavEntry("backoffice:sites", _("Sites")),
    NavEntry("backoffice:teams", _("Teams")),
    NavEntry("backoffice:campaigns", _("Campaigns")),
    NavEntry("backoffice:declarations", _("Declared hours")),
    NavEntry("accounts:sign-in-settings", _("Sign-in and SSO")),
    NavEntry("billing:page", _("Subscription")),
    NavEntry("admin:index", _("Data (Django admin)")),
)


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    is_current: bool


def navigation_for(
    role: BackofficeRole, *, path: str, is_company: bool = True
) -> Sequence[NavLink]:
    """The entries this role sees (a city does not see the company programme's); the one whose
    URL starts the current path is marked current."""
    links = [
        (reverse(entry.url_name), entry.label)
        for entry in NAVIGATION
        if (role is BackofficeRole.ADMIN or not entry.admins_only)
        and (is_company or not entry.companies_only)
    ]
    # The longest matching prefix wins, so /gestion/ is current only on the overview itself.
    home = reverse("backoffice:home")
    matching = [
        url for url, _label in links if path == url or (url != home and path.startswith(url))
    ]
    current = max(matching, key=len) if matching else None
    return [NavLink(url=url, label=label, is_current=url == current) for url, label in links]
