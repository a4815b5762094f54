"""/gestion/reglages/carte/: the tenant admin chooses the service that locates addresses
(Tenant.geocoder), audited with the map's other settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from tenants.audit.models import AuditEvent
from tenants.models import Tenant
from tenants.settings_services import tenant_map_update
from tests.engagement.factories import TenantAdminFactory

pytestmark = pytest.mark.django_db

MAP = "/gestion/reglages/carte/"
CENTRE = {"latitude": "48.8566", "longitude": "2.3522", "zoom": "12"}


@pytest.fixture
def restore_geocoder(paris):
    """Saved back before the rollback, so no process keeps a routing copy with another one."""
    yield
    with schema_context(get_public_schema_name()):
        paris.refresh_from_db()
        paris.geocoder = Tenant.Geocoder.OFFLINE
        paris.save(update_fields=["geocoder"])


def _geocoder(tenant: Tenant) -> str:
    return Tenant.objects.values_list("geocoder", flat=True).get(pk=tenant.pk)


def test_the_admin_chooses_the_geocoder_and_it_is_audited(
    paris, backoffice_admin, restore_geocoder
):
    client = backoffice_admin(paris)
    page = client.get(MAP).content.decode()
    assert 'name="geocoder" value="offline"' in page and "checked" in page
    assert "Base Adresse Nationale" in page

    response = client.post(MAP, {**CENTRE, "geocoder": "ban"})

    assert response.status_code == 302
    assert _geocoder(paris) == "ban"
    with tenant_context(paris):
        event = AuditEvent.objects.filter(action="settings.map_changed").get()
    assert "geocoder" in event.data["fields"]


def test_an_unknown_geocoder_is_a_400_and_nothing_changes(paris, backoffice_admin):
    response = backoffice_admin(paris).post(MAP, {**CENTRE, "geocoder": "google"})

    assert response.status_code == 400
    assert 'id="id_geocoder_error"' in response.content.decode() or "geocoder" in (
        response.content.decode()
    )
    assert _geocoder(paris) == "offline"


def test_a_form_without_the_field_leaves_the_geocoder_as_it_is(
    paris, backoffice_admin, restore_geocoder
):
    with schema_context(get_public_schema_name()):
        paris.geocoder = Tenant.Geocoder.NOMINATIM
        paris.save(update_fields=["geocoder"])

    response = backoffice_admin(paris).post(MAP, CENTRE)

    assert response.status_code == 302
    assert _geocoder(paris) == "nominatim"


def test_the_service_refuses_an_unknown_geocoder(paris):
    with tenant_context(paris):
        admin: Any = TenantAdminFactory()
        with pytest.raises(ValidationError) as refused:
            tenant_map_update(
                tenant=paris, actor=admin, latitude=48.8, longitude=2.3, zoom=12, geocoder="x"
            )

    assert list(refused.value.message_dict) == ["geocoder"]
    assert _geocoder(paris) == "offline"
