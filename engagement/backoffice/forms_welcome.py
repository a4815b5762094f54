"""Forms of the welcome wizard (/gestion/bienvenue/): parts of the settings' and organization
space's own forms, so the fields, their checks and the services called are the same."""

from __future__ import annotations

from typing import Any

from engagement.backoffice.forms_settings import BrandingForm
from engagement.organizations.forms import OrganizationForm
from tenants.models import Tenant
from tenants.settings_services import KEEP


class WelcomeBrandingForm(BrandingForm):
    """The settings' branding form without what can wait (tagline, picture for link previews):
    the name, the two colours and the logo, saved by tenant_branding_update."""

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        for name in ("tagline", "remove_logo", "social_image", "remove_social_image"):
            del self.fields[name]

    def clean_social_image(self) -> None:
        return None

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "tagline": self.tenant.tagline,
            "primary_color": data["primary_color"],
            "accent_color": data["accent_color"],
            "logo": self._picture("logo"),
            "social_image": KEEP,
        }


class WelcomeOrganizationForm(OrganizationForm):
    """The organization space's registration form, as is (organization_create)."""
