"""An organization writes to its participants: one e-mail each over SMTP, to the right people,
logged, audited, rate-limited, and only within its tenant."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation
from django_tenants.utils import tenant_context

from engagement.emails.models import EmailPreferences
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.organization_messages.models import OrganizationMessage
from engagement.organization_messages.services import (
    BODY_MAX_LENGTH,
    organization_message_send,
)
from engagement.participations.models import Participation
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Audience = OrganizationMessage.Audience


@pytest.fixture
def participants(mission, slot):
    """Two confirmed on `slot`, one waitlisted on it, one confirmed on another date, one who
    cancelled."""
    other_slot = SlotFactory(mission=mission, capacity=5)
    people = {
        "ana": ParticipationFactory(slot=slot, volunteer=UserFactory(email="ana@example.org")),
        "ben": ParticipationFactory(slot=slot, volunteer=UserFactory(email="ben@example.org")),
        "chloe": ParticipationFactory(
            slot=slot,
            volunteer=UserFactory(email="chloe@example.org"),
            status=Participation.Status.WAITLISTED,
        ),
        "dan": ParticipationFactory(
            slot=other_slot, volunteer=UserFactory(email="dan@example.org")
        ),
        "eve": ParticipationFactory(
            slot=slot,
            volunteer=UserFactory(email="eve@example.org"),
            status=Participation.Status.CANCELLED,
        ),
    }
    return people


def _send(mission, actor, **kwargs):
    values = {"audience": Audience.CONFIRMED, "subject": "Rendez-vous", "body": "Bonjour !"}
    values.update(kwargs)
    return organization_message_send(mission=mission, actor=actor, **values)


def test_each_confirmed_participant_of_a_slot_gets_their_own_email(
    in_paris,
    mission,
    slot,
    org_editor,
    organization,
    participants,
    smtp_inbox,
    django_capture_on_commit_callbacks,
):
    organization.contact_email = "contact@canal.example"
    organization.save(update_fields=["contact_email"])
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(
            mission,
            org_editor,
            slot=slot,
            subject="Point de rendez-vous",
            body="Rendez-vous <b>devant</b> la mairie.\nVoir https://example.org/plan",
        )

    assert message.recipient_count == 2
    received = smtp_inbox.all()
    assert sorted(address for m in received for address in m.envelope_to) == [
        "ana@example.org",
        "ben@example.org",
    ]
    for item in received:
        # Alone in To, nobody in Cc: no address of another participant anywhere.
        assert item.to == item.envelope_to[0]
        assert item.header("Cc") is None
        other = "ben@example.org" if item.envelope_to == ["ana@example.org"] else "ana@example.org"
        assert other not in str(item.message)
        assert item.header("Reply-To") == "contact@canal.example"
        assert item.subject == f"[Paris] {organization.name} : Point de rendez-vous"
        # Plain text: markup removed, the link kept as text.
        assert "Rendez-vous devant la mairie." in item.text
        assert "https://example.org/plan" in item.text
        assert "<b>" not in item.html
        assert item.header("List-Unsubscribe") is not None
    assert "organization_message.sent" in audit_actions()


def test_the_audience_chooses_the_people(
    in_paris,
    mission,
    slot,
    org_admin,
    participants,
    smtp_inbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        waitlisted = _send(mission, org_admin, audience=Audience.WAITLISTED)
        everyone = _send(mission, org_admin, audience=Audience.ACTIVE)

    assert waitlisted.recipient_count == 1
    assert everyone.recipient_count == 4  # the whole mission, not who cancelled
    assert len(smtp_inbox.to("chloe@example.org")) == 2
    assert len(smtp_inbox.to("dan@example.org")) == 1
    assert smtp_inbox.to("eve@example.org") == []


def test_no_reply_to_without_a_contact_and_preferences_are_honoured(
    in_paris,
    mission,
    slot,
    org_admin,
    organization,
    participants,
    smtp_inbox,
    django_capture_on_commit_callbacks,
):
    organization.contact_email = ""
    organization.save(update_fields=["contact_email"])
    EmailPreferences.objects.create(user=participants["ben"].volunteer, organization_messages=False)
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(mission, org_admin, slot=slot)

    assert message.recipient_count == 2
    [received] = smtp_inbox.all()
    assert received.envelope_to == ["ana@example.org"]
    assert received.header("Reply-To") is None


def test_refusals_change_nothing(in_paris, mission, slot, org_admin, outsider, participants):
    other_mission_slot = SlotFactory()
    cases = [
        (dict(actor=outsider), EngagementErrorCode.NOT_ORGANIZATION_MEMBER),
        (dict(slot=other_mission_slot), EngagementErrorCode.INVALID),
        (dict(subject="  "), EngagementErrorCode.INVALID),
        (dict(body="<p></p>"), EngagementErrorCode.INVALID),
        (dict(body="x" * (BODY_MAX_LENGTH + 1)), EngagementErrorCode.TEXT_TOO_LONG),
        (dict(audience="everybody"), EngagementErrorCode.INVALID),
    ]
    for kwargs, code in cases:
        actor = kwargs.pop("actor", org_admin)
        with pytest.raises(EngagementError) as raised:
            _send(mission, actor, **kwargs)
        assert raised.value.code == code, kwargs
    empty = SlotFactory(mission=mission)
    with pytest.raises(EngagementError) as raised:
        _send(mission, org_admin, slot=empty)
    assert raised.value.code == EngagementErrorCode.NO_RECIPIENTS
    assert OrganizationMessage.objects.count() == 0
    assert "organization_message.sent" not in audit_actions()


@override_settings(ORGANIZATION_MESSAGES_PER_HOUR=2, ORGANIZATION_MESSAGES_PER_DAY=3)
def test_an_organization_is_limited_per_hour(in_paris, mission, org_admin, participants):
    _send(mission, org_admin)
    _send(mission, org_admin)
    with translation.override("en"), pytest.raises(EngagementError) as raised:
        _send(mission, org_admin)
    assert raised.value.code == EngagementErrorCode.MESSAGE_RATE_LIMITED
    assert raised.value.status_code == 429
    assert "2 messages in less than an hour" in raised.value.detail
    assert OrganizationMessage.objects.count() == 2


def test_a_message_in_paris_never_reaches_montreal(
    paris, montreal, smtp_inbox, django_capture_on_commit_callbacks
):
    """The same address exists in both tenants; only the Paris account's participation counts,
    and the e-mail is Paris's."""
    with tenant_context(montreal):
        montreal_slot = SlotFactory(mission=MissionFactory(title="Montréal"))
        ParticipationFactory(
            slot=montreal_slot, volunteer=UserFactory(email="montreal-only@example.org")
        )
    with tenant_context(paris):
        paris_mission = MissionFactory(title="Paris")
        admin = MembershipFactory(organization=paris_mission.organization).user
        ParticipationFactory(
            slot=SlotFactory(mission=paris_mission),
            volunteer=UserFactory(email="paris-only@example.org"),
        )
        with django_capture_on_commit_callbacks(execute=True):
            message = _send(paris_mission, admin, audience=Audience.ACTIVE)
    assert message.recipient_count == 1
    [received] = smtp_inbox.all()
    assert received.envelope_to == ["paris-only@example.org"]
    assert received.header("X-Entraide-Tenant") == "paris"
    assert smtp_inbox.to("montreal-only@example.org") == []
