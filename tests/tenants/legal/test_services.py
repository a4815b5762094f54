"""Publishing versions of the legal pages, the defaults a tenant starts with, accepting terms."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tenants.audit.models import AuditEvent
from tenants.legal.defaults import VersionContent
from tenants.legal.models import LegalDocument, LegalVersion, TermsAcceptance
from tenants.legal.services import (
    conformance_errors,
    legal_defaults_publish,
    legal_version_publish,
    terms_accept,
    terms_accept_current,
)
from tenants.provisioning_steps import provisioning_steps
from tests.engagement.factories import TenantAdminFactory, UserFactory

pytestmark = pytest.mark.django_db

KINDS = {"notice", "privacy", "terms", "accessibility", "cookies"}


def _statement(**changes) -> VersionContent:  # type: ignore[no-untyped-def]
    fields = {
        "bodies": {"fr": "<p>Paris s'engage.</p>"},
        "conformance_level": LegalVersion.Conformance.PARTIAL,
        "audit_date": date(2025, 3, 14),
        "conformance_rate": Decimal("75.5"),
        "contact_email": "a11y@paris.example",
        **changes,
    }
    return VersionContent(**fields)


def _snapshot() -> tuple[list[tuple[str, int]], int, int]:
    return (
        sorted(LegalDocument.objects.values_list("kind", "current_number")),
        LegalVersion.objects.count(),
        AuditEvent.objects.filter(action="legal.published").count(),
    )


def test_a_new_tenants_defaults_are_not_in_its_audit_trail(in_paris):
    assert not AuditEvent.objects.filter(action="legal.published").exists()


def test_a_new_tenant_starts_with_version_1_of_each_document(in_paris):
    documents = dict(LegalDocument.objects.values_list("kind", "current_number"))
    versions = LegalVersion.objects.select_related("document")

    assert documents == dict.fromkeys(KINDS, 1)
    assert {version.document.kind for version in versions} == KINDS
    terms = versions.get(document__kind="terms")
    assert "Paris" in terms.body_fr
    assert terms.body_en == ""  # Paris speaks French only
    assert terms.author is None


def test_the_defaults_follow_the_tenants_languages(in_montreal):
    terms = LegalVersion.objects.get(document__kind="terms")

    assert "Montréal" in terms.body_fr
    assert "These terms of use govern" in terms.body_en


def test_the_default_statement_is_not_compliant_without_an_audit(in_paris):
    statement = LegalVersion.objects.get(document__kind="accessibility")

    assert statement.conformance_level == LegalVersion.Conformance.NONE
    assert statement.audit_date is None
    assert statement.conformance_rate is None
    assert "Défenseur des droits" in statement.remedies_fr
    assert "Libre réponse 71120" in statement.remedies_fr


def test_the_provisioning_step_is_registered():
    step = next(step for step in provisioning_steps.ordered() if step.name == "tenants.legal")

    assert step.in_tenant_schema
    assert step.func.__qualname__ == "legal_provision"


def test_publishing_defaults_again_publishes_nothing(in_paris, paris):
    before = _snapshot()

    assert legal_defaults_publish(tenant=paris) == []
    assert _snapshot() == before


def test_defaults_fill_in_documents_without_a_version(in_paris, paris):
    LegalVersion.objects.filter(document__kind="cookies").delete()
    LegalDocument.objects.filter(kind="cookies").delete()

    published = legal_defaults_publish(tenant=paris)

    assert [(version.document.kind, version.number) for version in published] == [("cookies", 1)]


def test_each_save_is_a_new_version_and_old_ones_are_kept(in_paris):
    admin = TenantAdminFactory()

    version = legal_version_publish(
        kind="notice", content=VersionContent(bodies={"fr": "<p>Deuxième</p>"}), actor=admin
    )
    third = legal_version_publish(
        kind="notice", content=VersionContent(bodies={"fr": "<p>Troisième</p>"}), actor=admin
    )

    assert (version.number, third.number) == (2, 3)
    assert list(
        LegalVersion.objects.filter(document__kind="notice").values_list("number", "body_fr")
    ) == [
        (3, "<p>Troisième</p>"),
        (2, "<p>Deuxième</p>"),
        (1, LegalVersion.objects.get(document__kind="notice", number=1).body_fr),
    ]
    assert LegalDocument.objects.get(kind="notice").current_number == 3
    assert third.author == admin
    assert timezone.now() - third.published_at < timedelta(minutes=1)


def test_publishing_is_audited_with_kind_and_version(in_paris):
    admin = TenantAdminFactory()

    version = legal_version_publish(
        kind="terms", content=VersionContent(bodies={"fr": "<p>CGU v2</p>"}), actor=admin
    )

    event = AuditEvent.objects.get(action="legal.published", target_id=version.pk)
    assert (event.actor, event.target_type, event.data) == (
        admin,
        "legalversion",
        {"kind": "terms", "version": 2},
    )


def test_bodies_are_sanitized_and_keep_section_headings(in_paris):
    version = legal_version_publish(
        kind="privacy",
        content=VersionContent(
            bodies={
                "fr": '<h2 onclick="x()">Vos droits</h2><script>alert(1)</script>'
                '<p>Écrire à <a href="javascript:alert(1)">nous</a> ou '
                '<a href="mailto:dpo@paris.example">au DPO</a>.</p><img src=x onerror=y>'
            }
        ),
        actor=None,
    )

    assert version.body_fr == (
        '<h2>Vos droits</h2><p>Écrire à <a rel="noopener noreferrer nofollow">nous</a> ou '
        '<a href="mailto:dpo@paris.example" rel="noopener noreferrer nofollow">au DPO</a>.</p>'
    )


@pytest.mark.parametrize(
    ("bodies", "field"),
    [
        ({"fr": ""}, "body_fr"),
        ({"fr": "   "}, "body_fr"),
        ({"fr": "<script>alert(1)</script>"}, "body_fr"),
        ({"fr": "<p> </p><h2>&nbsp;</h2>"}, "body_fr"),
        ({}, "body"),
        ({"de": "<p>Hallo</p>"}, "body"),
        ({"fr": "x" * 300_001}, "body_fr"),
    ],
)
def test_an_empty_or_unusable_body_is_refused_and_nothing_changes(in_paris, bodies, field):
    before = _snapshot()

    with pytest.raises(ValidationError) as refused:
        legal_version_publish(kind="terms", content=VersionContent(bodies=bodies), actor=None)

    assert field in refused.value.message_dict
    assert _snapshot() == before


def test_an_unknown_kind_is_refused(in_paris):
    with pytest.raises(ValidationError) as refused:
        legal_version_publish(
            kind="rules", content=VersionContent(bodies={"fr": "<p>x</p>"}), actor=None
        )

    assert "kind" in refused.value.message_dict


def test_a_statement_with_its_rgaa_fields_is_published(in_paris):
    version = legal_version_publish(
        kind="accessibility",
        content=_statement(
            non_accessible={"fr": "<p>La carte</p>"}, remedies={"fr": "<p>Recours</p>"}
        ),
        actor=None,
    )

    version.refresh_from_db()
    assert (
        version.conformance_level,
        version.audit_date,
        version.conformance_rate,
        version.contact_email,
        version.non_accessible_fr,
        version.remedies_fr,
    ) == (
        "partial",
        date(2025, 3, 14),
        Decimal("75.5"),
        "a11y@paris.example",
        "<p>La carte</p>",
        "<p>Recours</p>",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"conformance_rate": Decimal("100.5")}, "conformance_rate"),
        ({"conformance_rate": Decimal("-1")}, "conformance_rate"),
        ({"conformance_rate": Decimal("40")}, "conformance_rate"),  # partial needs ≥ 50
        ({"conformance_level": "full"}, "conformance_rate"),  # full needs 100
        ({"conformance_level": "none", "conformance_rate": Decimal("60")}, "conformance_rate"),
        ({"conformance_level": "maybe"}, "conformance_level"),
        ({"audit_date": None}, "audit_date"),
        ({"conformance_rate": None}, "conformance_rate"),
        ({"audit_date": date.today() + timedelta(days=2)}, "audit_date"),
        ({"contact_email": "not an address"}, "contact_email"),
        ({"contact_url": "javascript:alert(1)"}, "contact_url"),
    ],
)
def test_an_incoherent_statement_is_refused_and_nothing_changes(in_paris, changes, field):
    before = _snapshot()

    with pytest.raises(ValidationError) as refused:
        legal_version_publish(kind="accessibility", content=_statement(**changes), actor=None)

    assert field in refused.value.message_dict
    assert _snapshot() == before


def test_rgaa_conformance_rules():
    today = date(2025, 6, 1)
    audit = date(2025, 3, 1)

    assert conformance_errors(level="none", audit_date=None, rate=None, today=today) == {}
    assert conformance_errors(level="full", audit_date=audit, rate=Decimal(100), today=today) == {}
    assert (
        conformance_errors(level="partial", audit_date=audit, rate=Decimal(50), today=today) == {}
    )
    assert (
        conformance_errors(level="none", audit_date=audit, rate=Decimal("49.9"), today=today) == {}
    )
    assert set(
        conformance_errors(level="partial", audit_date=audit, rate=Decimal(100), today=today)
    ) == {"conformance_rate"}
    assert set(
        conformance_errors(level="none", audit_date=None, rate=Decimal(10), today=today)
    ) == {"audit_date"}


def test_accepting_the_latest_terms_records_the_version(in_paris):
    user = UserFactory()
    latest = LegalVersion.objects.get(document__kind="terms")

    acceptance = terms_accept(user=user, number=latest.number)

    assert (acceptance.user, acceptance.version, acceptance.source) == (user, latest, "prompt")
    assert TermsAcceptance.objects.filter(user=user).count() == 1


def test_accepting_twice_records_once(in_paris):
    user = UserFactory()

    first = terms_accept(user=user, number=1)
    again = terms_accept(user=user, number=1)

    assert first.pk == again.pk
    assert TermsAcceptance.objects.filter(user=user).count() == 1


def test_an_outdated_version_cannot_be_accepted(in_paris):
    user = UserFactory()
    legal_version_publish(
        kind="terms", content=VersionContent(bodies={"fr": "<p>v2</p>"}), actor=None
    )

    with pytest.raises(ValidationError) as refused:
        terms_accept(user=user, number=1)

    assert "version" in refused.value.message_dict
    assert not TermsAcceptance.objects.filter(user=user).exists()


def test_the_sign_up_accepts_the_latest_terms(in_paris):
    user = UserFactory()
    latest = legal_version_publish(
        kind="terms", content=VersionContent(bodies={"fr": "<p>v2</p>"}), actor=None
    )

    acceptance = terms_accept_current(user=user)

    assert acceptance is not None
    assert (acceptance.version, acceptance.source) == (latest, "signup")


def test_without_terms_the_sign_up_records_nothing(in_paris):
    TermsAcceptance.objects.all().delete()
    LegalVersion.objects.filter(document__kind="terms").delete()
    LegalDocument.objects.filter(kind="terms").delete()
    user = UserFactory()

    assert terms_accept_current(user=user) is None
    assert not TermsAcceptance.objects.exists()


def test_a_deleted_account_takes_its_acceptances_along(in_paris):
    user = UserFactory()
    terms_accept(user=user, number=1)

    user.delete()

    assert not TermsAcceptance.objects.exists()
