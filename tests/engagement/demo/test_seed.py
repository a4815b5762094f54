"""The demo content: real places, published through the services, idempotent."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import campaign_progress
from engagement.demo.content import DEMO_PASSWORD
from engagement.demo.seed import demo_accounts, demo_seed
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.participations.models import Participation
from engagement.programmes.models import Team
from engagement.reports.selectors import csr_report, report_scope_for_year
from engagement.volunteers.models import VolunteerProfile
from engagement.worktime.models import WorkTimeRequest
from tenants.audit.models import AuditEvent
from tenants.legal.models import LegalDocument, LegalVersion, TermsAcceptance

pytestmark = pytest.mark.django_db

# (west, south, east, north) around each demo area.
AREAS = {
    "paris": (2.22, 48.81, 2.47, 48.91),
    "montreal": (-73.75, 45.40, -73.47, 45.60),
    "acme": (2.19, 48.82, 2.36, 48.91),
}


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "missions": Mission.objects.count(),
        "slots": Slot.objects.count(),
        "participations": Participation.objects.count(),
        "audit": AuditEvent.objects.count(),
        "profiles": VolunteerProfile.objects.count(),
        "legal_versions": LegalVersion.objects.count(),
        "terms_acceptances": TermsAcceptance.objects.count(),
    }


@pytest.mark.parametrize("slug", ["paris", "montreal", "acme"])
def test_demo_seed_is_idempotent_and_realistic(request, slug):
    tenant = request.getfixturevalue(f"in_{slug}")

    summary = demo_seed(tenant=tenant)
    first = counts()
    again = demo_seed(tenant=tenant)

    assert counts() == first
    assert again == summary
    assert f"benevole@{slug}.example" in summary and DEMO_PASSWORD in summary

    published = Mission.objects.filter(status=Mission.Status.PUBLISHED)
    assert 8 <= published.count() <= 15
    assert published.count() == Mission.objects.count()
    assert Organization.objects.filter(verification_status="verified").count() == 3
    west, south, east, north = AREAS[slug]
    for mission in published.exclude(is_remote=True):
        assert west < mission.location.x < east and south < mission.location.y < north, mission
    assert published.filter(is_remote=True).exists()
    assert published.filter(is_step_free=True).exists()
    assert published.filter(requires_approval=True).exists()
    assert published.filter(is_open_to_minors=True).exists()
    assert published.filter(search_vector__isnull=True).count() == 0
    assert all(mission.causes.exists() for mission in published)
    assert Slot.objects.filter(starts_at__isnull=True).exists()  # an ongoing mission
    assert Slot.objects.filter(confirmed_count=F("capacity")).exists()  # some are full
    assert Slot.objects.filter(confirmed_count__gt=F("capacity")).count() == 0
    assert not Slot.objects.filter(starts_at__isnull=False, time_bit__isnull=True).exists()
    for slot in Slot.objects.all():
        assert slot.confirmed_count == slot.participations.filter(status="confirmed").count()


@pytest.mark.parametrize("slug", ["paris", "acme"])
def test_demo_accounts_sign_in_with_the_known_password(request, slug):
    tenant = request.getfixturevalue(f"in_{slug}")
    demo_seed(tenant=tenant)
    accounts = demo_accounts(slug)

    volunteer = authenticate(email=accounts["volunteer"], password=DEMO_PASSWORD)
    author = authenticate(email=accounts["organization"], password=DEMO_PASSWORD)
    moderator = authenticate(email=accounts["moderator"], password=DEMO_PASSWORD)
    admin = authenticate(email=accounts["admin"], password=DEMO_PASSWORD)

    assert volunteer is not None and author is not None and moderator is not None
    assert moderator.is_moderator
    assert admin is not None and admin.is_tenant_admin and admin.is_staff
    assert set(
        OrganizationMembership.objects.filter(user=author).values_list("role", flat=True)
    ) == {"admin"}
    statuses = sorted(
        Participation.objects.filter(volunteer=volunteer).values_list("status", flat=True)
    )
    # A company's demo volunteer also attended a date of the last days (the programme's history).
    expected = (
        ["confirmed", "waitlisted"] if slug == "paris" else ["attended", "confirmed", "waitlisted"]
    )
    assert statuses == expected
    profile = VolunteerProfile.objects.get(user=volunteer)
    assert profile.availability_mask and profile.home_point is not None


def test_descriptions_follow_the_tenants_language(in_acme):
    demo_seed(tenant=in_acme)

    titles = list(Mission.objects.values_list("title", flat=True))
    assert "Litter pick on the La Défense esplanade" in titles
    assert not Mission.objects.filter(description__icontains="bénévole").exists()


def test_the_demo_has_its_legal_pages_and_its_people_accepted_the_terms(in_paris):
    # A demo database seeded before the legal pages existed: the seed publishes them.
    LegalVersion.objects.all().delete()
    LegalDocument.objects.all().delete()

    demo_seed(tenant=in_paris)

    assert set(LegalDocument.objects.values_list("kind", "current_number")) == {
        (kind, 1) for kind in LegalDocument.Kind.values
    }
    accepted = set(TermsAcceptance.objects.values_list("user__email", flat=True))
    assert set(demo_accounts("paris").values()) <= accepted


def test_the_demo_company_is_private_and_its_accounts_get_in(in_acme, client_for):
    demo_seed(tenant=in_acme)
    client = client_for(in_acme)

    visitor = client.get("/")
    signed_in = client.post(
        "/accounts/login/",
        {"login": demo_accounts("acme")["volunteer"], "password": DEMO_PASSWORD},
    )

    assert in_acme.is_private is True
    assert visitor.status_code == 302
    assert visitor["Location"] == "/accounts/login/?next=%2F"
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200


def test_the_demo_company_runs_a_programme_with_figures(in_acme):
    demo_seed(tenant=in_acme)
    demo_seed(tenant=in_acme)  # idempotent: nothing twice
    volunteer = User.objects.get(email=demo_accounts("acme")["volunteer"])
    assert Team.objects.count() >= 3
    campaign = Campaign.objects.get(is_published=True)
    today = timezone.localdate()
    assert campaign.starts_on <= today <= campaign.ends_on
    assert campaign_progress(campaign).hours > 0
    report = csr_report(scope=report_scope_for_year(today.year))
    assert report.totals.participation_hours > 0
    assert report.totals.declared_hours > 0
    assert sorted(
        WorkTimeRequest.objects.filter(employee=volunteer).values_list("status", flat=True)
    ) == ["approved", "requested"]
