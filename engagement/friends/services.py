"""Becoming friends, and what friends do for each other.

A friendship starts three ways: a request to someone who has an account in the tenant (by their
e-mail address, or from "find my friends"), a single-use link to share by hand or as a QR code,
or that same link sent by e-mail to an address with no account yet. Requests wait for the
addressee's answer; accepting a link is the answer. Either side ends it at any time; blocking
ends it too and forbids any new request between the two people, both ways.

E-mails: a request, an acceptance and a recommendation go to people with an account, as
FRIENDS e-mails (their preferences decide); an invitation to an address without an account is a
TRANSACTIONAL e-mail: that person has no preferences yet, and it is the one message they get
(sent on behalf of a named person, once per invitation, rate-limited per sender).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.friends.models import (
    FriendBlock,
    FriendInvitation,
    Friendship,
    MissionRecommendation,
)
from engagement.friends.selectors import (
    friend_ids,
    friendship_between,
    invitation_by_token,
    is_blocked_either_way,
)
from engagement.inbox.models import Notification
from engagement.inbox.services import notification_create
from engagement.missions.models import Mission
from engagement.volunteers.models import VolunteerProfile
from tenants.audit.services import audit_record
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

# Requests and invitations one person may send in a day (links to share included).
INVITATIONS_PER_DAY = 30
# Friends one person may tell about missions in a day (one per friend and mission).
RECOMMENDATIONS_PER_DAY = 50
_DAY = timedelta(days=1)


def _error(code: EngagementErrorCode, message: str, field: str | None = None) -> EngagementError:
    return EngagementError(message, code=code, fields={field: [message]} if field else None)


def _not_found() -> EngagementError:
    return _error(EngagementErrorCode.FRIEND_NOT_FOUND, _("This person is not in your friends."))


def _check_invitation_quota(user: User) -> None:
    since = timezone.now() - _DAY
    sent = (
        Friendship.objects.filter(requester_id=user.pk, created_at__gte=since).count()
        + FriendInvitation.objects.filter(inviter_id=user.pk, created_at__gte=since).count()
    )
    if sent >= INVITATIONS_PER_DAY:
        raise _error(
            EngagementErrorCode.FRIENDS_TOO_MANY,
            _("You sent %(count)d invitations today: try again tomorrow.")
            % {"count": INVITATIONS_PER_DAY},
        )


def _lock_pair(first_id: int, second_id: int) -> None:
    """Serialise writes about one pair of people (a request crossing an acceptance)."""
    list(
        User.objects.select_for_update()
        .filter(pk__in=sorted({first_id, second_id}))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _refuse_blocked(user: User, other_id: int, field: str | None) -> None:
    if is_blocked_either_way(user.pk, other_id):
        raise _error(
            EngagementErrorCode.FRIEND_BLOCKED,
            _("You cannot become friends with this person."),
            field,
        )


def _schedule(task: str, *args: int) -> None:
    outbox_enqueue(f"engagement.{task}", *args)


# --- Requests -----------------------------------------------------------------------------------


def friend_request_send(
    *, requester: User, addressee: User, field: str | None = "user_id"
) -> Friendship:
    """Ask `addressee` to be friends. If they had already asked `requester`, this accepts.

    Refused: oneself, an inactive person (404), a block either way, friends already, a request
    already waiting, more than INVITATIONS_PER_DAY a day.
    """
    if addressee.pk == requester.pk:
        raise _error(EngagementErrorCode.FRIEND_SELF, _("You cannot be your own friend."), field)
    if not addressee.is_active:
        raise _not_found()
    with transaction.atomic():
        _lock_pair(requester.pk, addressee.pk)
        _refuse_blocked(requester, addressee.pk, field)
        existing = friendship_between(requester.pk, addressee.pk)
        if existing is not None and existing.status == Friendship.Status.ACCEPTED:
            raise _error(EngagementErrorCode.FRIEND_ALREADY, _("You are already friends."), field)
        if existing is not None and existing.status == Friendship.Status.PENDING:
            if existing.requester_id == requester.pk:
                raise _error(
                    EngagementErrorCode.FRIEND_ALREADY,
                    _("Your request is already waiting for an answer."),
                    field,
                )
            return _accept(existing, actor=requester)
        _check_invitation_quota(requester)
        if existing is not None:
            # Declined earlier: a new request replaces the old answer.
            existing.requester, existing.addressee = requester, addressee
            existing.status = Friendship.Status.PENDING
            existing.answered_at = None
            existing.created_at = timezone.now()
            existing.save()
            friendship = existing
        else:
            friendship = Friendship.objects.create(requester=requester, addressee=addressee)
        notification_create(
            recipient=addressee, kind=Notification.Kind.FRIEND_REQUEST, actor=requester
        )
        audit_record(
            actor=requester,
            action="friend.requested",
            target=friendship,
            data={"addressee_id": addressee.pk},
        )
        _schedule("friend_request_email_send", friendship.pk)
    return friendship


def _accept(friendship: Friendship, *, actor: User) -> Friendship:
    friendship.status = Friendship.Status.ACCEPTED
    friendship.answered_at = timezone.now()
    friendship.save(update_fields=["status", "answered_at"])
    notification_create(
        recipient=friendship.requester, kind=Notification.Kind.FRIEND_ACCEPTED, actor=actor
    )
    audit_record(
        actor=actor,
        action="friend.accepted",
        target=friendship,
        data={"requester_id": friendship.requester_id},
    )
    _schedule("friend_accepted_email_send", friendship.pk)
    return friendship


def friend_request_answer(*, user: User, requester_id: int, accept: bool) -> Friendship:
    """Accept or decline the request `requester_id` sent to `user` (404 if there is none)."""
    with transaction.atomic():
        friendship = (
            Friendship.objects.select_for_update()
            .select_related("requester")
            .filter(
                requester_id=requester_id,
                addressee_id=user.pk,
                status=Friendship.Status.PENDING,
                requester__is_active=True,
            )
            .first()
        )
        if friendship is None or is_blocked_either_way(user.pk, requester_id):
            raise _error(
                EngagementErrorCode.FRIEND_NOT_FOUND, _("This request does not exist any more.")
            )
        if accept:
            return _accept(friendship, actor=user)
        friendship.status = Friendship.Status.DECLINED
        friendship.answered_at = timezone.now()
        friendship.save(update_fields=["status", "answered_at"])
        audit_record(
            actor=user,
            action="friend.declined",
            target=friendship,
            data={"requester_id": requester_id},
        )
    return friendship


def friend_remove(*, user: User, other_id: int) -> None:
    """End a friendship, or withdraw a request `user` sent (404 when there is neither)."""
    with transaction.atomic():
        friendship = (
            Friendship.objects.select_for_update()
            .filter(
                Q(requester_id=user.pk, addressee_id=other_id)
                | Q(requester_id=other_id, addressee_id=user.pk)
            )
            .filter(
                Q(status=Friendship.Status.ACCEPTED)
                | Q(status=Friendship.Status.PENDING, requester_id=user.pk)
            )
            .first()
        )
        if friendship is None:
            raise _not_found()
        audit_record(
            actor=user,
            action="friend.removed",
            target=friendship,
            data={"other_id": other_id, "status": friendship.status},
        )
        friendship.delete()


def friend_block(*, user: User, other_id: int) -> FriendBlock:
    """Block someone `user` knows here (a friend, a request either way): the friendship ends,
    they no longer see each other, and neither can ask the other again."""
    with transaction.atomic():
        _lock_pair(user.pk, other_id)
        friendship = friendship_between(user.pk, other_id)
        if friendship is None or other_id == user.pk:
            raise _error(EngagementErrorCode.FRIEND_NOT_FOUND, _("This person is not known."))
        block, _created = FriendBlock.objects.get_or_create(blocker=user, blocked_id=other_id)
        audit_record(
            actor=user,
            action="friend.blocked",
            target=block,
            data={"blocked_id": other_id, "friendship_status": friendship.status},
        )
        friendship.delete()
    return block


def friend_unblock(*, user: User, other_id: int) -> None:
    """Lift a block `user` set (the friendship does not come back)."""
    with transaction.atomic():
        block = FriendBlock.objects.filter(blocker_id=user.pk, blocked_id=other_id).first()
        if block is None:
            raise _error(EngagementErrorCode.FRIEND_NOT_FOUND, _("This person is not blocked."))
        audit_record(
            actor=user, action="friend.unblocked", target=block, data={"blocked_id": other_id}
        )
        block.delete()


def friends_privacy_set(*, user: User, friends_see_participations: bool) -> VolunteerProfile:
    """Whether `user`'s friends see the missions they join."""
    with transaction.atomic():
        profile, _created = VolunteerProfile.objects.select_for_update().get_or_create(user=user)
        if profile.friends_see_participations != friends_see_participations:
            profile.friends_see_participations = friends_see_participations
            profile.save(update_fields=["friends_see_participations", "updated_at"])
            audit_record(
                actor=user,
                action="friend.privacy_changed",
                target=profile,
                data={"friends_see_participations": friends_see_participations},
            )
    return profile


# --- Invitations (a link, a QR code, an e-mail) -------------------------------------------------


def friend_link_create(*, inviter: User) -> FriendInvitation:
    """A new single-use link to share by hand or as a QR code."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=inviter.pk).values_list("pk").first()
        _check_invitation_quota(inviter)
        invitation = FriendInvitation.objects.create(inviter=inviter)
        audit_record(actor=inviter, action="friend.link_created", target=invitation)
    return invitation


def friend_invite_by_email(*, inviter: User, email: str) -> None:
    """Invite the owner of `email`: a friend request when they have an account here, else a
    link by e-mail. The inviter is told the same either way, so an address's account is not
    revealed by inviting it (except to themselves: inviting one's own address is refused)."""
    address = email.strip()
    if address.lower() == inviter.email.lower():
        raise _error(EngagementErrorCode.FRIEND_SELF, _("This is your own address."), "email")
    existing = User.objects.filter(email__iexact=address).first()
    if existing is not None:
        if existing.is_active:
            friend_request_send(requester=inviter, addressee=existing, field="email")
        return
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=inviter.pk).values_list("pk").first()
        if FriendInvitation.objects.filter(
            inviter_id=inviter.pk,
            email__iexact=address,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).exists():
            raise _error(
                EngagementErrorCode.FRIEND_ALREADY,
                _("You already invited this address."),
                "email",
            )
        _check_invitation_quota(inviter)
        invitation = FriendInvitation.objects.create(inviter=inviter, email=address)
        audit_record(actor=inviter, action="friend.invited_by_email", target=invitation)
        _schedule("friend_invitation_email_send", invitation.pk)


def _usable_invitation(token: str, *, lock: bool) -> FriendInvitation:
    invitation = invitation_by_token(token)
    if invitation is not None and lock:
        invitation = (
            FriendInvitation.objects.select_for_update(of=("self",))
            .select_related("inviter")
            .get(pk=invitation.pk)
        )
    if invitation is None or not invitation.inviter.is_active:
        raise _error(
            EngagementErrorCode.FRIEND_INVITATION_NOT_FOUND,
            _("This invitation link is not valid here."),
            "token",
        )
    if invitation.used_at is not None:
        raise _error(
            EngagementErrorCode.FRIEND_INVITATION_USED,
            _("This invitation link was already used."),
            "token",
        )
    if invitation.is_expired:
        raise _error(
            EngagementErrorCode.FRIEND_INVITATION_EXPIRED,
            _("This invitation link has expired: ask for a new one."),
            "token",
        )
    return invitation


def friend_invitation_check(*, token: str, user: User) -> FriendInvitation:
    """The invitation behind `token` if `user` may accept it now; the error they would get
    otherwise (what the invitation page shows before anyone clicks)."""
    invitation = _usable_invitation(token, lock=False)
    _check_invitation_for(invitation, user)
    return invitation


def _check_invitation_for(invitation: FriendInvitation, user: User) -> None:
    if invitation.inviter_id == user.pk:
        raise _error(
            EngagementErrorCode.FRIEND_SELF,
            _("This is your own invitation link: share it with a friend."),
            "token",
        )
    _refuse_blocked(user, invitation.inviter_id, "token")
    existing = friendship_between(user.pk, invitation.inviter_id)
    if existing is not None and existing.status == Friendship.Status.ACCEPTED:
        raise _error(EngagementErrorCode.FRIEND_ALREADY, _("You are already friends."), "token")


def friend_invitation_accept(*, token: str, user: User) -> Friendship:
    """Become friends with the inviter: the link is used up, both sides have accepted."""
    with transaction.atomic():
        invitation = _usable_invitation(token, lock=True)
        _lock_pair(user.pk, invitation.inviter_id)
        _check_invitation_for(invitation, user)
        invitation.used_at = timezone.now()
        invitation.used_by = user
        invitation.save(update_fields=["used_at", "used_by"])
        existing = friendship_between(user.pk, invitation.inviter_id)
        if existing is None:
            existing = Friendship.objects.create(
                requester=invitation.inviter, addressee=user, status=Friendship.Status.PENDING
            )
        else:
            existing.requester, existing.addressee = invitation.inviter, user
            existing.save(update_fields=["requester", "addressee"])
        return _accept(existing, actor=user)


def friend_invitation_decline(*, token: str, user: User) -> FriendInvitation:
    """Refuse an invitation: the link is used up, no friendship."""
    with transaction.atomic():
        invitation = _usable_invitation(token, lock=True)
        if invitation.inviter_id == user.pk:
            raise _error(
                EngagementErrorCode.FRIEND_SELF,
                _("This is your own invitation link: share it with a friend."),
                "token",
            )
        invitation.used_at = timezone.now()
        invitation.used_by = user
        invitation.save(update_fields=["used_at", "used_by"])
        audit_record(actor=user, action="friend.invitation_declined", target=invitation)
    return invitation


# --- Recommending a mission ---------------------------------------------------------------------


def mission_recommend(
    *, sender: User, mission: Mission, recipient_ids: Sequence[int]
) -> list[MissionRecommendation]:
    """Tell friends about a published mission (in their notifications, and by e-mail).

    Only accepted friends: any other id refuses the whole request. A friend already told about
    this mission (by anyone) is skipped; if all were, that is an error. At most
    RECOMMENDATIONS_PER_DAY recipients a day per sender.
    """
    wanted = list(dict.fromkeys(recipient_ids))
    if not wanted:
        raise _error(EngagementErrorCode.INVALID, _("Choose at least one friend."), "recipient_ids")
    if mission.status != Mission.Status.PUBLISHED:
        raise _error(EngagementErrorCode.MISSION_NOT_PUBLISHED, _("This mission is not published."))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=sender.pk).values_list("pk").first()
        friends = friend_ids(sender.pk)
        strangers = [user_id for user_id in wanted if user_id not in friends]
        if strangers:
            raise _error(
                EngagementErrorCode.NOT_FRIEND,
                _("You can only recommend a mission to your friends."),
                "recipient_ids",
            )
        already = set(
            MissionRecommendation.objects.filter(
                mission_id=mission.pk, recipient_id__in=wanted
            ).values_list("recipient_id", flat=True)
        )
        new = [user_id for user_id in wanted if user_id not in already]
        if not new:
            raise _error(
                EngagementErrorCode.ALREADY_RECOMMENDED,
                _("These friends have already heard of this mission."),
                "recipient_ids",
            )
        sent_today = MissionRecommendation.objects.filter(
            sender_id=sender.pk, created_at__gte=timezone.now() - _DAY
        ).count()
        if sent_today + len(new) > RECOMMENDATIONS_PER_DAY:
            raise _error(
                EngagementErrorCode.FRIENDS_TOO_MANY,
                _("You can recommend missions to %(count)d friends a day: try again tomorrow.")
                % {"count": RECOMMENDATIONS_PER_DAY},
            )
        recipients = {user.pk: user for user in User.objects.filter(pk__in=new)}
        created = []
        for user_id in new:
            recommendation = MissionRecommendation.objects.create(
                sender=sender, recipient=recipients[user_id], mission=mission
            )
            notification_create(
                recipient=recipients[user_id],
                kind=Notification.Kind.MISSION_RECOMMENDED,
                actor=sender,
                mission=mission,
            )
            _schedule("mission_recommendation_email_send", recommendation.pk)
            created.append(recommendation)
        audit_record(
            actor=sender,
            action="mission.recommended",
            target=mission,
            data={"recipient_ids": new, "skipped": sorted(already)},
        )
    logger.info("mission.recommended", extra={"count": len(created)})
    return created
