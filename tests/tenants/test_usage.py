"""Usage snapshots: engagement's provider inside each schema, schema and media bytes, the
periodic task."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from accounts.models import User
from engagement.missions.models import Mission
from tenants.models import TenantUsage
from tenants.tasks import usage_refresh
from tenants.usage import usage_providers, usage_refresh_all, usage_refresh_tenant

pytestmark = pytest.mark.django_db


def test_engagement_registers_its_provider():
    assert "engagement" in usage_providers()


def test_refresh_counts_members_missions_and_storage(paris, montreal):
    with tenant_context(paris):
        members = User.objects.filter(is_active=True).count()
        missions = Mission.objects.count()
        User.objects.create_user(email="new@paris.example", password="x" * 12)
    media = Path(settings.MEDIA_ROOT) / "t_paris" / "usage-test"
    media.mkdir(parents=True, exist_ok=True)
    (media / "file.bin").write_bytes(b"x" * 5000)
    try:
        usage = usage_refresh_tenant(paris)
    finally:
        (media / "file.bin").unlink()
    assert usage.members == members + 1
    assert usage.missions == missions
    assert usage.schema_bytes > 100_000
    assert usage.media_bytes >= 5000
    assert usage.last_activity_at is not None
    # Montréal's counts are its own.
    other = usage_refresh_tenant(montreal)
    assert other.members != usage.members or other.tenant_id != usage.tenant_id


def test_periodic_task_refreshes_every_live_tenant(paris, montreal, acme):
    assert "tenant-usage-refresh" in settings.CELERY_BEAT_SCHEDULE
    count = usage_refresh.delay().get()
    assert count >= 3
    assert TenantUsage.objects.filter(tenant__slug__in=["paris", "montreal", "acme"]).count() == 3
    # Again: updated in place, one row per tenant.
    usage_refresh_all(slugs=["paris"])
    assert TenantUsage.objects.filter(tenant=paris).count() == 1
