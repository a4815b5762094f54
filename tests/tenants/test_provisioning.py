from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_exists

from accounts.models import User
from engagement.taxonomy.defaults import DEFAULT_CAUSES, DEFAULT_SKILLS
from engagement.taxonomy.models import Cause, Skill
from tenants import provisioning
from tenants.context import tenant_context
from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.models import Domain, Tenant
from tenants.services import tenant_provision

pytestmark = pytest.mark.django_db


def _nothing_created(slug: str, domains: tuple[str, ...] = ()) -> bool:
    return (
        not Tenant.objects.filter(slug=slug).exists()
        and not schema_exists(Tenant.schema_name_for(slug))
        and not Domain.objects.filter(domain__in=[f"{slug}.entraide.test", *domains]).exists()
    )


def test_provision_creates_tenant_domain_schema_taxonomy_and_admin():
    result = tenant_provision(
        kind="city", name="Lyon", slug="lyon", admin_email="Maire@Lyon.example"
    )

    tenant = Tenant.objects.get(slug="lyon")
    assert tenant.schema_name == "t_lyon"
    assert tenant.is_private is False  # a city is public unless asked
    assert list(tenant.domains.values_list("domain", "is_primary", "is_verified")) == [
        ("lyon.entraide.test", True, True)
    ]
    assert schema_exists("t_lyon")
    with tenant_context(tenant):
        assert Cause.objects.count() == len(DEFAULT_CAUSES)
        assert Skill.objects.count() == len(DEFAULT_SKILLS)
        admin = User.objects.get()
        assert admin.email == "maire@lyon.example"
        assert admin.is_tenant_admin and admin.is_staff
        assert not admin.has_usable_password()
    assert result.set_password_url.startswith("http://lyon.entraide.test")
    assert "/accounts/password/reset/key/" in result.set_password_url


def test_provision_with_custom_domain():
    tenant_provision(
        kind="company",
        name="Globex",
        slug="globex",
        admin_email="it@globex.example",
        domains=["benevolat.globex.example"],
    )

    assert set(Domain.objects.filter(tenant__slug="globex").values_list("domain", flat=True)) == {
        "globex.entraide.test",
        "benevolat.globex.example",
    }
    # A company's instance is private unless asked otherwise.
    assert Tenant.objects.get(slug="globex").is_private is True


@pytest.mark.parametrize(
    ("slug", "code"),
    [
        ("www", TenantErrorCode.SLUG_RESERVED),
        ("admin", TenantErrorCode.SLUG_RESERVED),
        ("static", TenantErrorCode.SLUG_RESERVED),
        ("Bad Slug", TenantErrorCode.SLUG_INVALID),
        ("1paris", TenantErrorCode.SLUG_INVALID),
        ("ab", TenantErrorCode.SLUG_INVALID),
        ("ends-", TenantErrorCode.SLUG_INVALID),
        ("paris", TenantErrorCode.SLUG_TAKEN),
    ],
)
def test_bad_slug_is_refused_and_nothing_is_created(slug, code):
    tenants_before = Tenant.objects.count()
    domains_before = Domain.objects.count()

    with pytest.raises(ProvisioningError) as error:
        tenant_provision(kind="city", name="X", slug=slug, admin_email="a@b.example")

    assert error.value.code == code
    assert Tenant.objects.count() == tenants_before
    assert Domain.objects.count() == domains_before


@pytest.mark.parametrize(
    ("domain", "code"),
    [
        ("paris.entraide.test", TenantErrorCode.DOMAIN_TAKEN),
        ("not a domain", TenantErrorCode.DOMAIN_INVALID),
        ("-bad.example", TenantErrorCode.DOMAIN_INVALID),
        ("other.entraide.test", TenantErrorCode.DOMAIN_INVALID),
    ],
)
def test_bad_domain_is_refused_and_nothing_is_created(domain, code):
    with pytest.raises(ProvisioningError) as error:
        tenant_provision(
            kind="city", name="Nice", slug="nice", admin_email="a@b.example", domains=[domain]
        )

    assert error.value.code == code
    assert _nothing_created("nice")


def test_invalid_admin_email_is_refused():
    with pytest.raises(ProvisioningError) as error:
        tenant_provision(kind="city", name="Nice", slug="nice", admin_email="not-an-email")

    assert error.value.code == TenantErrorCode.EMAIL_INVALID
    assert _nothing_created("nice")


def test_failure_after_the_clone_leaves_no_schema_tenant_or_domain(provisioning_step):
    def explode(**kwargs) -> None:
        raise RuntimeError("seed failed")

    provisioning_step("tests.explode", explode, order=25)  # after the taxonomy, before the admin

    with pytest.raises(RuntimeError, match="seed failed"):
        tenant_provision(
            kind="city",
            name="Nice",
            slug="nice",
            admin_email="a@b.example",
            domains=["benevolat.nice.example"],
        )

    assert _nothing_created("nice", ("benevolat.nice.example",))


def test_missing_template_fails_loudly_without_rebuild():
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{provisioning.template_schema_name()}" CASCADE')

    with pytest.raises(ProvisioningError) as error:
        tenant_provision(
            kind="city",
            name="Nice",
            slug="nice",
            admin_email="a@b.example",
            rebuild_template=False,
        )

    assert error.value.code == TenantErrorCode.TEMPLATE_MISSING
    assert _nothing_created("nice")


def test_stale_template_is_detected_and_rebuilt():
    template = provisioning.template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM \"{template}\".django_migrations WHERE app = 'engagement'")
    state = provisioning.template_state()
    assert not state.is_current
    assert "engagement.0001_initial" in state.missing_migrations

    with pytest.raises(ProvisioningError) as error:
        provisioning.template_ensure(rebuild=False)
    assert error.value.code == TenantErrorCode.TEMPLATE_STALE

    result = tenant_provision(kind="city", name="Nice", slug="nice", admin_email="a@b.example")

    assert result.template_rebuilt
    assert provisioning.template_state().is_current


def test_provision_command_prints_the_set_password_link(capsys):
    call_command(
        "provision_tenant",
        "--kind",
        "city",
        "--name",
        "Bordeaux",
        "--slug",
        "bordeaux",
        "--admin-email",
        "admin@bordeaux.example",
        "--private",
    )

    out = capsys.readouterr().out
    assert Tenant.objects.get(slug="bordeaux").is_private is True
    assert "Tenant 'bordeaux' ready" in out
    assert "http://bordeaux.entraide.test" in out and "/accounts/password/reset/key/" in out


def test_provision_command_bad_input_exits_with_a_message():
    with pytest.raises(CommandError, match="reserved"):
        call_command(
            "provision_tenant",
            "--kind",
            "city",
            "--name",
            "W",
            "--slug",
            "www",
            "--admin-email",
            "a@b.example",
        )


def test_deprovision_unknown_slug_is_an_error(tmp_path: Path):
    with pytest.raises(CommandError, match="No tenant"):
        call_command(
            "deprovision_tenant", "--slug", "atlantis", "--yes", "--export-dir", str(tmp_path)
        )
