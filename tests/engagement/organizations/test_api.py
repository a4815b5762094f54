import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from engagement.missions.models import Mission
from engagement.organizations.models import Organization, OrganizationMembership
from tests.engagement.api.endpoints import state_snapshot
from tests.engagement.conftest import error_body
from tests.engagement.factories import (
    MembershipFactory,
    OrganizationFactory,
    TenantAdminFactory,
    UserFactory,
)
from tests.engagement.pictures import picture, read

pytestmark = pytest.mark.django_db


def test_create_an_organization_makes_me_its_admin_pending_verification(world, api_for):
    founder = UserFactory()

    response = api_for(world.tenant, founder).post(
        "organizations/",
        {
            "name": "Jardins <em>partagés</em> du 11e",
            "kind": "collectif",
            "description": "<p>Un potager<script>x()</script></p>",
            "website": "https://jardins.example",
            "contact_email": "Contact@Jardins.example",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    organization = Organization.objects.get(pk=body["id"])
    assert organization.name == "Jardins partagés du 11e"
    assert organization.description == "<p>Un potager</p>"
    assert organization.verification_status == Organization.Verification.PENDING
    assert (body["member_role"], body["is_verified"]) == ("admin", False)
    assert OrganizationMembership.objects.get(organization=organization).user == founder


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "association"}, "name"),
        ({"name": "x" * 161, "kind": "association"}, "name"),
        ({"name": "Asso", "kind": "club"}, "kind"),
        ({"name": "Asso", "kind": "association", "website": "not a url"}, "website"),
        ({"name": "Asso", "kind": "association", "contact_email": "nope"}, "contact_email"),
        ({"name": "Asso", "kind": "association", "description": "x" * 15_001}, "description"),
    ],
)
def test_bad_organization_input_is_a_400(payload, field, world, api_for):
    before = state_snapshot()

    response = api_for(world.tenant, world.volunteer).post("organizations/", payload)

    assert response.status_code == 400
    assert field in error_body(response)["fields"]
    assert state_snapshot() == before


def test_my_organizations_with_my_role(world, api_for):
    MembershipFactory(
        organization=world.other_organization,
        user=world.admin,
        role=OrganizationMembership.Role.EDITOR,
    )

    body = api_for(world.tenant, world.admin).get("organizations/").json()

    assert [(item["name"], item["member_role"]) for item in body["results"]] == [
        ("Autre association", "editor"),
        ("Les Restos du Cœur", "admin"),
    ]
    assert api_for(world.tenant, world.volunteer).get("organizations/").json()["count"] == 0


def test_update_organization(world, api_for):
    response = api_for(world.tenant, world.admin).patch(
        f"organizations/{world.organization.pk}/", {"website": "https://restos.example"}
    )

    assert response.status_code == 200
    world.organization.refresh_from_db()
    assert world.organization.website == "https://restos.example"
    assert world.organization.name == "Les Restos du Cœur"


def test_verify_and_reject(world, api_for):
    client = api_for(world.tenant, world.moderator)
    listed = client.get("moderation/organizations/").json()
    published = Mission.objects.filter(
        organization=world.organization, status=Mission.Status.PUBLISHED
    ).count()

    approved = client.post(
        f"organizations/{world.pending_organization.pk}/verify/", {"approve": True}
    )
    rejected = client.post(
        f"organizations/{world.organization.pk}/verify/",
        {"approve": False, "note": "Pas d'activité"},
    )
    missing = client.post(f"organizations/{world.organization.pk}/verify/", {})

    assert [item["id"] for item in listed["results"]] == [world.pending_organization.pk]
    assert (approved.status_code, approved.json()["verification_status"]) == (200, "verified")
    assert (rejected.status_code, rejected.json()["verification_status"]) == (200, "rejected")
    assert rejected.json()["verification_note"] == "Pas d'activité"
    assert published == 1
    assert not Mission.objects.filter(
        organization=world.organization, status=Mission.Status.PUBLISHED
    ).exists()
    assert missing.status_code == 400
    assert list(error_body(missing)["fields"]) == ["approve"]


@pytest.mark.parametrize(
    ("path", "user_name"),
    [("organizations/", "admin"), ("moderation/organizations/", "moderator")],
)
def test_organization_lists_cost_the_same_queries_for_3_and_30(path, user_name, world, api_for):
    user = getattr(world, user_name)
    client = api_for(world.tenant, user)
    client.get(path)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, {"page_size": 50})
        assert response.status_code == 200
        return len(captured)

    with_few = queries()
    for _ in range(27):
        organization = OrganizationFactory(verification_status=Organization.Verification.PENDING)
        MembershipFactory(organization=organization, user=world.admin)
    with_many = queries()

    assert client.get(path).json()["count"] >= 28
    assert with_few == with_many


# --- logo ---------------------------------------------------------------------------------------


def _logo_file(data: bytes, name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_an_admin_uploads_a_logo_shown_on_the_organization_and_its_search_results(world, api_for):
    client = api_for(world.tenant, world.admin)

    response = client.upload(
        "put", f"organizations/{world.organization.pk}/logo/", {"logo": _logo_file(picture())}
    )

    assert response.status_code == 200, response.content
    logo_url = response.json()["logo_url"]
    assert logo_url.startswith(f"/organisations/{world.organization.pk}/logo.png?v=")
    served = api_for(world.tenant).client.get(logo_url)
    assert (served.status_code, served["Content-Type"]) == (200, "image/png")
    assert read(b"".join(served.streaming_content)).size == (64, 32)
    results = api_for(world.tenant).get("missions/").json()["results"]
    assert [item["organization"]["logo_url"] for item in results] == [logo_url]
    detail = api_for(world.tenant).get(f"missions/{world.published.pk}/").json()
    assert detail["organization"]["logo_url"] == logo_url

    removed = client.delete(f"organizations/{world.organization.pk}/logo/")
    assert (removed.status_code, removed.json()["logo_url"]) == (200, "")
    assert api_for(world.tenant).client.get(logo_url).status_code == 404


@pytest.mark.parametrize(
    ("files", "field"),
    [
        ({"logo": _logo_file(b"<svg onload='alert(1)'/>", "logo.svg")}, "logo"),
        ({"logo": _logo_file(b"", "empty.png")}, "logo"),
        ({}, "logo"),
    ],
    ids=["svg", "empty", "missing"],
)
def test_a_bad_logo_is_a_400_on_the_field_and_changes_nothing(world, api_for, files, field):
    before = state_snapshot()

    response = api_for(world.tenant, world.admin).upload(
        "put", f"organizations/{world.organization.pk}/logo/", files
    )

    assert response.status_code == 400, response.content
    assert list(error_body(response)["fields"]) == [field]
    assert state_snapshot() == before


def test_a_logo_over_the_size_limit_is_a_413(world, api_for):
    oversized = _logo_file(b"\x89PNG" + b"\0" * (3 * 1024 * 1024))

    response = api_for(world.tenant, world.admin).upload(
        "put", f"organizations/{world.organization.pk}/logo/", {"logo": oversized}
    )

    assert (response.status_code, error_body(response)["code"]) == (413, "payload_too_large")


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("anonymous", 401),
        ("volunteer", 404),
        ("other_member", 404),
        ("editor", 403),
        ("moderator", 403),
    ],
)
def test_only_the_organizations_admins_upload_its_logo(world, api_for, actor, status):
    before = state_snapshot()

    response = api_for(world.tenant, world.actor(actor)).upload(
        "put", f"organizations/{world.organization.pk}/logo/", {"logo": _logo_file(picture())}
    )

    assert response.status_code == status
    assert state_snapshot() == before


def test_a_paris_organizations_logo_is_unknown_on_montreal(world, montreal, api_for):
    with tenant_context(montreal):
        montreal_admin = TenantAdminFactory()
    paris_admin = api_for(world.tenant, world.admin)
    logo_url = paris_admin.upload(
        "put", f"organizations/{world.organization.pk}/logo/", {"logo": _logo_file(picture())}
    ).json()["logo_url"]

    upload = api_for(montreal, montreal_admin).upload(
        "put", f"organizations/{world.organization.pk}/logo/", {"logo": _logo_file(picture())}
    )

    assert upload.status_code == 404
    assert api_for(montreal, montreal_admin).client.get(logo_url).status_code == 404
