"""E-mails: sent after commit, in the tenant's (or recipient's) language, branded, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.core import mail
from django.db import connection

from engagement import tasks
from engagement.emails.delivery import sender_address
from engagement.emails.models import EmailDelivery
from engagement.errors import EngagementError
from engagement.missions.models import Mission
from engagement.missions.services import mission_cancel, mission_publish, mission_reject
from engagement.notifications import Event, notifications_muted
from engagement.organizations.models import OrganizationMembership
from engagement.organizations.services import organization_invite, organization_verify
from engagement.participations.models import Participation
from engagement.participations.services import (
    participation_cancel,
    participation_confirm,
    participation_decline,
    participation_request,
)
from engagement.volunteers.models import VolunteerProfile
from tenants.errors import TenantContextMissing
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
    paris_point,
)

pytestmark = pytest.mark.django_db

STARTS = datetime(2031, 6, 14, 8, 0, tzinfo=UTC)  # Saturday 10:00 in Paris


@pytest.fixture
def setting(request):
    """A mission of an organization with an admin and an editor, and a volunteer, in the tenant
    named by the test's `tenant` parameter (default Paris)."""
    slug = getattr(request, "param", "paris")
    tenant = request.getfixturevalue(f"in_{slug}")
    organization = OrganizationFactory(name="L'Atelier Solidaire")
    admin = MembershipFactory(organization=organization, user__email="admin-asso@example.org").user
    editor = MembershipFactory(
        organization=organization,
        role=OrganizationMembership.Role.EDITOR,
        user__email="editor-asso@example.org",
    ).user
    mission = MissionFactory(
        organization=organization,
        title="Repair café <du> quartier",
        summary="Réparer ensemble",
        location=paris_point(2.3795, 48.8720),
        address="12 rue de Belleville",
        postcode="75020",
        city="Paris",
    )
    slot = SlotFactory(
        mission=mission, starts_at=STARTS, ends_at=STARTS + timedelta(hours=3), capacity=1
    )
    volunteer = UserFactory(email="camille@example.org", first_name="Camille")
    return {
        "tenant": tenant,
        "organization": organization,
        "admin": admin,
        "editor": editor,
        "mission": mission,
        "slot": slot,
        "volunteer": volunteer,
    }


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.to == [address]]


def parsed_ics(message: mail.EmailMultiAlternatives) -> icalendar.Event:
    [(filename, content, mimetype)] = message.attachments
    assert filename == "mission.ics"
    assert mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return event


def test_confirmation_in_french_with_a_calendar_invitation(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participation = participation_request(volunteer=setting["volunteer"], slot=setting["slot"])

    # Through SMTP: headers, encoded subject, both parts and the attachment as they arrive.
    [message] = smtp_inbox.to("camille@example.org")
    assert message.envelope_to == ["camille@example.org"]
    assert message.subject == (
        "[Paris] Votre participation est confirmée : Repair café <du> quartier"
    )
    assert message.header("From") == sender_address(setting["tenant"])
    assert "Bonjour Camille," in message.text
    assert "avec L'Atelier Solidaire est confirmée" in message.text
    assert "le samedi 14 juin 2031, de 10:00 à 13:00" in message.text
    assert "12 rue de Belleville, 75020 Paris" in message.text
    assert "http://paris.entraide.test:8000/missions/" in message.text
    html = message.html
    assert '<html lang="fr">' in html
    assert "Repair café &lt;du&gt; quartier" in html
    assert "L&#x27;Atelier Solidaire" in html
    assert "#0d2a5c" in html  # Paris's colour
    assert message.header("X-Entraide-Tenant") == "paris"
    # About the person's own participation: no unsubscribe.
    assert message.header("List-Unsubscribe") is None

    [(filename, content_type, content)] = message.attachments()
    assert (filename, content_type) == ("mission.ics", "text/calendar")
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert str(event["UID"]) == f"participation-{participation.pk}@paris.entraide.test"
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTEND") == STARTS + timedelta(hours=3)
    assert event["DTSTART"].to_ical() == b"20310614T080000Z"
    assert event["DTEND"].to_ical() == b"20310614T110000Z"
    assert str(event["SUMMARY"]) == "Repair café <du> quartier"
    assert str(event["LOCATION"]) == "12 rue de Belleville, 75020 Paris"
    assert str(event["URL"]) == (
        f"http://paris.entraide.test:8000/missions/{setting['mission'].pk}/"
    )


@pytest.mark.parametrize("setting", ["acme"], indirect=True)
def test_confirmation_in_english_on_the_company_tenant(setting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        participation_request(volunteer=setting["volunteer"], slot=setting["slot"])

    [message] = mails_to("camille@example.org")
    assert (
        message.subject == "[Acme Corp] Your participation is confirmed: Repair café <du> quartier"
    )
    assert "Hello Camille," in message.body
    assert "on Saturday 14 June 2031, 10:00–13:00" in message.body
    assert '<html lang="en">' in message.alternatives[0][0]
    assert str(parsed_ics(message)["UID"]).endswith("@acme.entraide.test")


@pytest.mark.parametrize("setting", ["montreal"], indirect=True)
def test_the_recipients_language_wins_when_the_tenant_offers_it(
    setting, django_capture_on_commit_callbacks
):
    volunteer = setting["volunteer"]
    volunteer.language = "en"
    volunteer.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        participation_request(volunteer=volunteer, slot=setting["slot"])

    [message] = mails_to("camille@example.org")
    assert message.subject.startswith("[Montréal] Your participation is confirmed")
    # 08:00 UTC is 04:00 in Montréal.
    assert "04:00–07:00" in message.body


def test_an_ongoing_slot_has_no_calendar_invitation(setting, django_capture_on_commit_callbacks):
    ongoing = SlotFactory(mission=setting["mission"], ongoing=True)

    with django_capture_on_commit_callbacks(execute=True):
        participation_request(volunteer=setting["volunteer"], slot=ongoing)

    [message] = mails_to("camille@example.org")
    assert message.attachments == []
    assert "mission continue, sans date fixe" in message.body
    assert ".ics" not in message.body


def test_the_organization_is_told_of_a_new_participant(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    VolunteerProfile.objects.create(user=setting["volunteer"], display_name="Cam du 20e")
    with django_capture_on_commit_callbacks(execute=True):
        participation_request(
            volunteer=setting["volunteer"], slot=setting["slot"], message="J'apporte mes outils"
        )

    assert sorted(address for m in smtp_inbox.all() for address in m.envelope_to) == [
        "admin-asso@example.org",
        "camille@example.org",
        "editor-asso@example.org",
    ]
    [notice] = smtp_inbox.to("admin-asso@example.org")
    assert notice.subject == "[Paris] Nouvelle inscription : Repair café <du> quartier"
    # The volunteer's display name, never their address.
    assert "Cam du 20e participera à « Repair café <du> quartier »" in notice.text
    assert "camille@example.org" not in notice.text + notice.html
    assert "Son message : J'apporte mes outils" in notice.text
    assert "Places confirmées : 1 sur 1." in notice.text
    assert "Cam du 20e" in notice.html


def test_waitlisted_then_promoted_with_a_calendar_invitation(
    setting, django_capture_on_commit_callbacks
):
    first = ParticipationFactory(slot=setting["slot"])
    with django_capture_on_commit_callbacks(execute=True):
        participation_request(volunteer=setting["volunteer"], slot=setting["slot"])
    [waitlisted] = mails_to("camille@example.org")
    assert waitlisted.subject == (
        "[Paris] Vous êtes sur la liste d'attente : Repair café <du> quartier"
    )
    assert waitlisted.attachments == []
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        participation_cancel(participation=first, actor=first.volunteer)

    [promoted] = mails_to("camille@example.org")
    assert promoted.subject == "[Paris] Une place s'est libérée : Repair café <du> quartier"
    assert parsed_ics(promoted).decoded("DTSTART") == STARTS
    [cancellation] = mails_to("admin-asso@example.org")
    assert cancellation.subject == "[Paris] Désistement : Repair café <du> quartier"


def test_approval_request_then_decline_with_the_reason(setting, django_capture_on_commit_callbacks):
    Mission.objects.filter(pk=setting["mission"].pk).update(requires_approval=True)
    setting["slot"].mission.requires_approval = True
    with django_capture_on_commit_callbacks(execute=True):
        participation = participation_request(volunteer=setting["volunteer"], slot=setting["slot"])
    [requested] = mails_to("camille@example.org")
    assert requested.subject == "[Paris] Demande envoyée : Repair café <du> quartier"
    [notice] = mails_to("admin-asso@example.org")
    assert notice.subject == "[Paris] Nouvelle demande : Repair café <du> quartier"
    assert "confirmez ou déclinez la demande" in notice.body
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        participation_decline(
            participation=participation, actor=setting["admin"], reason="Nous sommes au complet."
        )

    [declined] = mail.outbox
    assert declined.to == ["camille@example.org"]
    assert declined.subject == (
        "[Paris] Votre demande n'a pas été retenue : Repair café <du> quartier"
    )
    assert "Message de l'organisation : Nous sommes au complet." in declined.body


def test_an_approved_request_gets_the_confirmation(setting, django_capture_on_commit_callbacks):
    Mission.objects.filter(pk=setting["mission"].pk).update(requires_approval=True)
    participation = ParticipationFactory(
        slot=setting["slot"], volunteer=setting["volunteer"], status=Participation.Status.REQUESTED
    )

    with django_capture_on_commit_callbacks(execute=True):
        participation_confirm(participation=participation, actor=setting["editor"])

    [confirmed] = mail.outbox
    assert confirmed.subject.startswith("[Paris] Votre participation est confirmée")
    assert len(confirmed.attachments) == 1


def test_cancelling_the_mission_tells_every_volunteer(setting, django_capture_on_commit_callbacks):
    ParticipationFactory(slot=setting["slot"], volunteer=setting["volunteer"])
    waiting = ParticipationFactory(
        slot=setting["slot"],
        status=Participation.Status.WAITLISTED,
        volunteer__email="dominique@example.org",
    )

    with django_capture_on_commit_callbacks(execute=True):
        mission_cancel(mission=setting["mission"], actor=setting["admin"])

    assert sorted(m.to[0] for m in mail.outbox) == [
        "camille@example.org",
        waiting.volunteer.email,
    ]
    assert {m.subject for m in mail.outbox} == {"[Paris] Annulation : Repair café <du> quartier"}


def test_nothing_is_sent_when_the_service_refuses(setting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        participation_request(volunteer=setting["volunteer"], slot=setting["slot"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(EngagementError):
            participation_request(volunteer=setting["volunteer"], slot=setting["slot"])

    assert callbacks == []
    assert mail.outbox == []


def test_a_task_run_twice_sends_once(setting, django_capture_on_commit_callbacks):
    with notifications_muted():
        participation = participation_request(volunteer=setting["volunteer"], slot=setting["slot"])

    assert tasks.participation_email_send.delay(participation.pk, Event.CONFIRMED).get() is True
    assert tasks.participation_email_send.delay(participation.pk, Event.CONFIRMED).get() is False

    assert len(mail.outbox) == 1
    assert list(EmailDelivery.objects.values_list("key", flat=True)) == [
        f"participation:{participation.pk}:participation_confirmed"
    ]


def test_a_stale_confirmation_is_not_sent(setting):
    with notifications_muted():
        participation = participation_request(volunteer=setting["volunteer"], slot=setting["slot"])
        participation_cancel(participation=participation, actor=setting["volunteer"])

    assert tasks.participation_email_send.delay(participation.pk, Event.CONFIRMED).get() is False
    assert mail.outbox == []


def test_muted_services_schedule_nothing(setting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with notifications_muted():
            participation_request(volunteer=setting["volunteer"], slot=setting["slot"])

    # What is left is the mission page's cache renewal (engagement/page_cache.py), no message.
    assert [callback.__module__ for callback in callbacks] == ["tenants.page_cache"]
    assert mail.outbox == []


def test_a_task_sent_from_the_public_schema_fails_loudly(setting):
    participation = ParticipationFactory(slot=setting["slot"])
    connection.set_schema_to_public()

    with pytest.raises(TenantContextMissing):
        tasks.participation_email_send.delay(participation.pk, Event.CONFIRMED)


def test_an_anonymised_participation_gets_no_mail(setting):
    participation = ParticipationFactory(slot=setting["slot"], volunteer=None, is_anonymised=True)

    assert tasks.participation_email_send.delay(participation.pk, Event.CONFIRMED).get() is False
    assert mail.outbox == []


def test_an_invitation_carries_its_single_use_link(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = organization_invite(
            organization=setting["organization"], actor=setting["admin"], email="lea@example.org"
        )

    [message] = smtp_inbox.all()
    assert message.envelope_to == ["lea@example.org"]
    assert message.subject == "[Paris] Invitation à rejoindre L'Atelier Solidaire"
    [link] = {word for word in message.text.split() if invitation.token in word}
    assert link.startswith("http://paris.entraide.test:8000/")
    assert link.endswith(f"/{invitation.token}/")
    assert f'href="{link}"' in message.html
    assert "en tant que administrateur·rice" in message.text


def test_moderation_outcomes_reach_the_organization(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    moderator = ModeratorFactory()
    in_review = MissionFactory(
        organization=setting["organization"], status=Mission.Status.IN_REVIEW, title="Jardin"
    )
    other = MissionFactory(
        organization=setting["organization"], status=Mission.Status.IN_REVIEW, title="Potager"
    )

    with django_capture_on_commit_callbacks(execute=True):
        mission_publish(mission=in_review, actor=moderator)
        mission_reject(mission=other, actor=moderator, note="Ajoutez l'horaire.")

    subjects = sorted({m.subject for m in smtp_inbox.to("admin-asso@example.org")})
    assert subjects == ["[Paris] Mission publiée : Jardin", "[Paris] Mission à revoir : Potager"]
    [rejected] = [m for m in smtp_inbox.to("editor-asso@example.org") if "Potager" in m.subject]
    assert "Leur message : Ajoutez l'horaire." in rejected.text
    assert "Ajoutez l&#x27;horaire." in rejected.html


def test_verification_outcome_reaches_the_organization(setting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        organization_verify(
            organization=setting["organization"],
            actor=ModeratorFactory(),
            approve=False,
            note="Statuts manquants.",
        )

    [message] = mails_to("admin-asso@example.org")
    assert message.subject == "[Paris] L'Atelier Solidaire n'a pas été validée"
    assert "Leur message : Statuts manquants." in message.body
    setting["mission"].refresh_from_db()
    assert setting["mission"].status == Mission.Status.CLOSED


def test_links_in_mails_use_the_primary_verified_domain(
    setting, django_capture_on_commit_callbacks
):
    """Once a custom domain is the tenant's primary verified domain, every link goes there."""
    from tenants.models import Domain

    Domain.objects.create(
        domain="jemengage.paris.example",
        tenant=setting["tenant"],
        is_primary=True,
        is_verified=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation = organization_invite(
            organization=setting["organization"], actor=setting["admin"], email="lea@example.org"
        )

    [message] = mail.outbox
    [link] = {word for word in message.body.split() if invitation.token in word}
    assert link.startswith("http://jemengage.paris.example:8000/")
    assert "paris.entraide.test" not in message.body
