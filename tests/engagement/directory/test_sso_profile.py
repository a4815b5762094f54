"""The company's identity provider fills the employee profile at each sign-in (SAML attributes,
OIDC claims): department, site, manager, job title, employee number — through the profile
consumer engagement registers with accounts.sso.profile_attributes."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.sso.services import saml_connection_save
from engagement.programmes.models import EmployeeProfile, Site, Team, TeamMembership
from tests.accounts.conftest import SAML_MAPPING
from tests.accounts.sso import saml_flow
from tests.accounts.sso.test_oidc import JANE as OIDC_JANE
from tests.accounts.sso.test_oidc import back_to_us, start_login
from tests.engagement.factories import UserFactory


def _saml_sign_in(client_for: Any, acme: Any, setup: Any, **attributes: list[str]) -> None:
    client = client_for(acme)
    seen = saml_flow.start_login(client, setup)
    response = saml_flow.respond(setup, seen, attributes={**saml_flow.JANE, **attributes})
    finished = saml_flow.post_to_acs(client, response)
    assert finished.status_code == 302, finished.content[:300]


def _profile(tenant: Any, email: str = "jane@acme.example") -> tuple[Any, ...]:
    with tenant_context(tenant):
        profile = EmployeeProfile.objects.select_related("site", "manager").get(user__email=email)
        return (
            profile.department,
            profile.site.name if profile.site else None,
            profile.manager.email if profile.manager else None,
            profile.job_title,
            profile.employee_number,
        )


def test_saml_sign_ins_fill_then_update_the_profile(acme, paris, client_for, acme_saml):
    with tenant_context(acme):
        Site.objects.create(name="Lyon Part-Dieu", external_id="LYS")
        UserFactory(email="boss@acme.example")
    with tenant_context(paris):
        # The same address in a city: another person, whose profile no sign-in here touches.
        paris_jane = UserFactory(email="jane@acme.example")
        EmployeeProfile.objects.create(user=paris_jane, department="Mairie")

    _saml_sign_in(
        client_for,
        acme,
        acme_saml,
        department=["R&D"],
        physicalDeliveryOfficeName=["LYS"],
        manager=["BOSS@acme.example"],
        title=["Engineer"],
        employeeNumber=["E-7"],
    )
    assert _profile(acme) == ("R&D", "Lyon Part-Dieu", "boss@acme.example", "Engineer", "E-7")

    _saml_sign_in(
        client_for, acme, acme_saml, department=["Sales"], manager=["nobody@acme.example"]
    )
    # Changed: the department; the manager is unknown here, so none; the rest was not sent.
    assert _profile(acme) == ("Sales", "Lyon Part-Dieu", None, "Engineer", "E-7")

    assert _profile(paris) == ("Mairie", None, None, "", "")


def test_the_mapping_is_set_per_connection(acme, client_for, acme_saml, acme_admin, saml_idp):
    with tenant_context(acme):
        saml_connection_save(
            tenant=acme,
            actor=acme_admin,
            name="Acme SSO",
            allowed_email_domains=["acme.example"],
            attribute_mapping=SAML_MAPPING,
            metadata_xml=saml_idp.metadata_xml(),
            profile_attributes={"department": ["urn:oid:2.5.4.11"]},
        )

    _saml_sign_in(
        client_for, acme, acme_saml, department=["ignored"], **{"urn:oid:2.5.4.11": ["Ops"]}
    )

    assert _profile(acme) == ("Ops", None, None, "", "")


def test_oidc_sign_ins_fill_then_update_the_profile(acme, client_for, oidc_provider, acme_oidc):
    with tenant_context(acme):
        UserFactory(email="boss@acme.example")
    claims = {
        **OIDC_JANE,
        "department": "R&D",
        "site": "Paris HQ",
        "manager_email": "boss@acme.example",
    }
    oidc_provider.set_user("jane-sub", claims)
    client = client_for(acme)
    assert back_to_us(client, oidc_provider, start_login(client), "jane-sub").status_code == 302
    assert _profile(acme) == ("R&D", None, "boss@acme.example", "", "")

    oidc_provider.set_user("jane-sub", {**claims, "department": "Finance"})
    client = client_for(acme)
    assert back_to_us(client, oidc_provider, start_login(client), "jane-sub").status_code == 302
    assert _profile(acme) == ("Finance", None, "boss@acme.example", "", "")
    with tenant_context(acme):
        assert User.objects.filter(email="jane@acme.example").count() == 1


def test_a_person_provisioned_by_the_directory_signs_in_through_saml(
    acme, scim, client_for, acme_saml
):
    connection.set_tenant(acme)
    created = scim.post(
        "Users",
        {
            "userName": "jane@acme.example",
            "emails": [{"value": "jane@acme.example"}],
            "name": {"givenName": "Jane", "familyName": "Doe"},
        },
    )
    assert created.status_code == 201

    _saml_sign_in(client_for, acme, acme_saml, department=["R&D"])

    with tenant_context(acme):
        user = User.objects.get(email="jane@acme.example")
        assert str(user.directory_identity.scim_id) == created.json()["id"]
        assert list(user.socialaccount_set.values_list("provider", flat=True)) == ["saml"]
    assert _profile(acme)[0] == "R&D"


def _sso_teams(tenant: Any, email: str = "jane@acme.example") -> list[tuple[str, str]]:
    with tenant_context(tenant):
        return sorted(
            TeamMembership.objects.filter(user__email=email).values_list(
                "team__name", "team__source"
            )
        )


def test_saml_groups_become_teams_and_follow_each_sign_in(acme, client_for, acme_saml):
    with tenant_context(acme):
        # Managed by hand: the company's groups never change its members.
        Team.objects.create(name="Comité des fêtes", source=Team.Source.MANUAL)

    _saml_sign_in(
        client_for,
        acme,
        acme_saml,
        memberOf=["CN=Finance,OU=Groups,DC=acme,DC=example", "Bénévoles", "Comité des fêtes"],
    )
    assert _sso_teams(acme) == [("Bénévoles", "sso"), ("Finance", "sso")]

    # She left Finance for Data: her teams follow; the team she left stays (with its history).
    _saml_sign_in(client_for, acme, acme_saml, memberOf=["CN=Data,OU=Groups,DC=acme", "Bénévoles"])
    assert _sso_teams(acme) == [("Bénévoles", "sso"), ("Data", "sso")]
    with tenant_context(acme):
        assert Team.objects.filter(name="Finance", source="sso").exists()
        assert not TeamMembership.objects.filter(team__name="Comité des fêtes").exists()

    # A sign-in without the attribute leaves her teams as they are.
    _saml_sign_in(client_for, acme, acme_saml)
    assert _sso_teams(acme) == [("Bénévoles", "sso"), ("Data", "sso")]
