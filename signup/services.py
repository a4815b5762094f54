"""Writes and rules of self-serve sign-up: the request, its e-mail, its checkout, provisioning
and the hand-off to the new instance.

The walk: `signup_create` (form) → e-mail → `signup_verify` (the link) → `signup_checkout_url`
(Stripe Checkout) → Stripe's webhook → `signup_checkout_completed` (registered with billing; marks
the request paid and schedules provisioning through the outbox, in one transaction) →
`signup_provision` (the task) → the progress page → `signup_handoff_url` → the tenant's
`/accounts/bienvenue/<token>/` (`signup_handoff_consume`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import mail_admins, send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from billing import services as billing_services
from billing.errors import BillingError
from billing.plans import plan_default_for_kind, plan_get
from billing.stripe_client import CheckoutSessionSnapshot, SubscriptionSnapshot
from signup import selectors
from signup.models import SignupRequest
from signup.slugs import slug_normalize, slug_refusal
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue
from tenants.services import tenant_provision
from tenants.signing import InvalidToken, tenant_dumps, tenant_loads

logger = logging.getLogger(__name__)

# Scheduled by name through the outbox: tasks call services, services never import tasks.
SIGNUP_PROVISION_TASK = "signup.tasks.signup_provision"
HANDOFF_PATH = "/accounts/bienvenue/{token}/"
WELCOME_PATH = "/gestion/bienvenue/"
# A worker that claimed a sign-up and vanished: after this long another may take it over.
PROVISIONING_STALE = dt.timedelta(minutes=5)
TIMEZONES = {"FR": "Europe/Paris", "CA": "America/Toronto", "BE": "Europe/Brussels"}


class SignupError(Exception):
    """A refusal with a message for the visitor, on a form field when `field` is set."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class SignupLinkInvalid(Exception):
    """A verification or hand-off link that is forged, expired, or for another host."""


def public_url(path: str) -> str:
    """An absolute URL on the base domain (links in e-mails and Stripe's return addresses)."""
    port = settings.BASE_PORT
    suffix = f":{port}" if port and port not in {"80", "443"} else ""
    return f"{settings.BASE_URL_SCHEME}://{settings.BASE_DOMAIN}{suffix}{path}"


def slug_check(raw: str, *, exclude_signup_pk: int | None = None) -> str | None:
    """The message refusing this address, or None when it is free."""
    return (
        refusal.message
        if (
            refusal := slug_refusal(
                raw,
                taken=selectors.slugs_taken(exclude_signup_pk=exclude_signup_pk),
                reserved=settings.TENANT_RESERVED_SLUGS,
            )
        )
        else None
    )


def plan_for_signup(*, kind: str, plan_code: str, interval: str) -> tuple[str, str]:
    """The plan and period a sign-up buys: the ones asked for (from /pricing/), else the kind's
    default plan, monthly. Raises SignupError."""
    code = plan_code or plan_default_for_kind(kind).code
    plan = plan_get(code)
    try:
        billing_services.signup_plan(kind=kind, plan_code=code, interval=interval or "month")
    except BillingError as error:
        raise SignupError(str(error), field="plan") from None
    assert plan is not None
    return plan.code, interval or "month"


@dataclass(frozen=True)
class SignupInput:
    kind: str
    name: str
    slug: str
    country: str
    language: str
    email: str
    plan_code: str = ""
    interval: str = "month"


def signup_create(*, data: SignupInput) -> SignupRequest:
    """Record a sign-up and send the e-mail whose link confirms the address. Raises SignupError
    (the address is re-checked here: the live check may be minutes old)."""
    slug = slug_normalize(data.slug)
    message = slug_check(slug)
    if message:
        raise SignupError(message, field="slug")
    plan_code, interval = plan_for_signup(
        kind=data.kind, plan_code=data.plan_code, interval=data.interval
    )
    with transaction.atomic():
        signup = SignupRequest.objects.create(
            kind=data.kind,
            name=data.name.strip(),
            slug=slug,
            country=data.country.upper(),
            language=data.language,
            email=data.email.strip().lower(),
            plan_code=plan_code,
            interval=interval,
            terms_accepted_at=timezone.now(),
        )
        language = translation.get_language() or settings.LANGUAGE_CODE
        signup_pk = signup.pk
        transaction.on_commit(lambda: _verification_email_send(signup_pk, language))
    logger.info("signup.created", extra={"signup_id": str(signup.public_id), "slug": slug})
    return signup


def _verification_email_send(signup_pk: int, language: str) -> None:
    signup = SignupRequest.objects.get(pk=signup_pk)
    token = tenant_dumps("signup_email", {"s": str(signup.public_id)})
    link = public_url(reverse("signup:verify", urlconf="config.urls_public", args=[token]))
    with translation.override(language):
        subject = _("Confirm your e-mail to create %(name)s on Entraide") % {"name": signup.name}
        body = _(
            "Hello,\n\nSomeone (we hope you) asked to create the instance %(name)s at "
            "%(address)s on Entraide with this e-mail address.\n\nConfirm your e-mail to "
            "continue to the payment page (your trial starts there):\n%(link)s\n\nThis link "
            "works for 24 hours. If you did not ask for it, ignore this e-mail: nothing will "
            "be created.\n"
        ) % {"name": signup.name, "address": f"{signup.slug}.{settings.BASE_DOMAIN}", "link": link}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [signup.email])


def signup_verify(*, token: str) -> SignupRequest:
    """The e-mail link: the address is confirmed (once; a later click changes nothing).
    Raises SignupLinkInvalid."""
    try:
        value = tenant_loads("signup_email", token)
    except InvalidToken:
        raise SignupLinkInvalid from None
    if not isinstance(value, dict):
        raise SignupLinkInvalid
    with transaction.atomic():
        try:
            signup = SignupRequest.objects.select_for_update().get(
                public_id=uuid.UUID(str(value.get("s")))
            )
        except (SignupRequest.DoesNotExist, ValueError):
            raise SignupLinkInvalid from None
        if signup.email_verified_at is None:
            signup.email_verified_at = timezone.now()
            signup.status = SignupRequest.Status.VERIFIED
            signup.save(update_fields=["email_verified_at", "status", "updated_at"])
            logger.info("signup.verified", extra={"signup_id": str(signup.public_id)})
    return signup


def signup_checkout_url(*, signup: SignupRequest, locale: str = "auto") -> str:
    """A Stripe Checkout session for a verified sign-up; its URL. Raises SignupError."""
    if signup.email_verified_at is None:
        raise SignupError(_("Confirm your e-mail first: we sent you a link."))
    if signup.status not in {SignupRequest.Status.VERIFIED, SignupRequest.Status.CHECKOUT}:
        raise SignupError(_("This sign-up is already paid."))
    message = slug_check(signup.slug, exclude_signup_pk=signup.pk)
    if message:
        raise SignupError(message, field="slug")
    progress = reverse("signup:progress", urlconf="config.urls_public", args=[signup.public_id])
    cancel = reverse("signup:form", urlconf="config.urls_public")
    try:
        session = billing_services.signup_checkout_start(
            signup_id=str(signup.public_id),
            kind=signup.kind,
            name=signup.name,
            email=signup.email,
            plan_code=signup.plan_code,
            interval=signup.interval,
            customer_id=signup.stripe_customer_id,
            success_url=public_url(progress) + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=public_url(
                f"{cancel}?kind={signup.kind}&plan={signup.plan_code}&interval={signup.interval}"
            ),
            locale=locale,
            attempt=uuid.uuid4().hex,
        )
    except BillingError as error:
        raise SignupError(str(error)) from None
    with transaction.atomic():
        locked = SignupRequest.objects.select_for_update().get(pk=signup.pk)
        if locked.status in {SignupRequest.Status.VERIFIED, SignupRequest.Status.CHECKOUT}:
            locked.status = SignupRequest.Status.CHECKOUT
            locked.stripe_customer_id = session.customer_id
            locked.stripe_checkout_session_id = session.id
            locked.save(
                update_fields=[
                    "status",
                    "stripe_customer_id",
                    "stripe_checkout_session_id",
                    "updated_at",
                ]
            )
    return session.url


def signup_checkout_completed(
    *,
    session: CheckoutSessionSnapshot,
    subscription: SubscriptionSnapshot | None,
    stripe_event_id: str,
) -> None:
    """billing's handler for a sign-up's completed Checkout (registered in apps.py): the request
    is marked paid and its provisioning scheduled, in one transaction, once. Anything else (an
    unknown or unverified sign-up, another customer, a session not complete, a request already
    paid) changes nothing."""
    extra: dict[str, Any] = {"signup_id": session.signup_id, "event_id": stripe_event_id}
    try:
        public_id = uuid.UUID(session.signup_id)
    except ValueError:
        logger.warning("signup.checkout.unknown", extra=extra)
        return
    with transaction.atomic():
        signup = SignupRequest.objects.select_for_update().filter(public_id=public_id).first()
        if signup is None:
            logger.warning("signup.checkout.unknown", extra=extra)
            return
        if signup.email_verified_at is None:
            logger.error("signup.checkout.unverified", extra=extra)
            return
        if (
            session.status != "complete"
            or not session.subscription_id
            or session.customer_id != signup.stripe_customer_id
            or (subscription is not None and subscription.customer_id != session.customer_id)
        ):
            logger.warning("signup.checkout.mismatch", extra=extra)
            return
        if signup.status not in {SignupRequest.Status.VERIFIED, SignupRequest.Status.CHECKOUT}:
            logger.info("signup.checkout.duplicate", extra=extra)
            return
        signup.status = SignupRequest.Status.PAID
        signup.paid_at = timezone.now()
        signup.stripe_checkout_session_id = session.id
        signup.stripe_subscription_id = session.subscription_id
        try:
            with transaction.atomic():
                signup.save()
        except IntegrityError:
            # Another paid sign-up holds the address: nothing to provision; staff refund.
            SignupRequest.objects.filter(pk=signup.pk).update(
                status=SignupRequest.Status.FAILED,
                error="address taken by another paid sign-up",
                stripe_subscription_id=session.subscription_id,
            )
            logger.error("signup.checkout.slug_conflict", extra=extra)
            return
        outbox_enqueue(SIGNUP_PROVISION_TASK, signup.pk)
    logger.info("signup.paid", extra=extra)


def _claim(signup_pk: int) -> SignupRequest | None:
    with transaction.atomic():
        signup = SignupRequest.objects.select_for_update().get(pk=signup_pk)
        if signup.status not in {SignupRequest.Status.PAID, SignupRequest.Status.CREATING}:
            return None
        if (
            signup.status == SignupRequest.Status.CREATING
            and timezone.now() - signup.updated_at < PROVISIONING_STALE
        ):
            # Another worker is at it (a duplicate delivery): only a stale claim is taken over.
            return None
        if signup.email_verified_at is None or not signup.stripe_subscription_id:
            return None
        signup.status = SignupRequest.Status.CREATING
        signup.attempts += 1
        signup.save(update_fields=["status", "attempts", "updated_at"])
        return signup


def signup_provision(*, signup_pk: int, final_attempt: bool = True) -> SignupRequest:
    """Create the paid sign-up's tenant: provisioning and the billing account's Stripe
    customer and subscription in one transaction (a failure leaves no tenant, domain, schema or
    row), then the set-password e-mail. A failure is recorded; on the final attempt the request
    is marked failed and reported to ADMINS. Safe to run twice."""
    signup = _claim(signup_pk)
    if signup is None:
        return SignupRequest.objects.get(pk=signup_pk)
    extra = {"signup_id": str(signup.public_id), "slug": signup.slug, "attempt": signup.attempts}
    try:
        subscription = billing_services.signup_subscription_get(signup.stripe_subscription_id)
        with transaction.atomic():
            result = tenant_provision(
                kind=signup.kind,
                name=signup.name,
                slug=signup.slug,
                admin_email=signup.email,
                default_language=signup.language,
                country=signup.country,
                timezone_name=TIMEZONES.get(signup.country, "Europe/Paris"),
            )
            billing_services.billing_signup_attach(
                tenant=result.tenant,
                customer_id=signup.stripe_customer_id,
                subscription=subscription,
            )
            SignupRequest.objects.filter(pk=signup.pk).update(
                tenant=result.tenant,
                status=SignupRequest.Status.CONFIGURING,
                error="",
                updated_at=timezone.now(),
            )
    except Exception as error:
        _failure_record(signup=signup, error=error, final=final_attempt, extra=extra)
        raise
    tenant = result.tenant
    with tenant_context(tenant):
        admin_id = (
            get_user_model()
            .objects.filter(email__iexact=signup.email)
            .values_list("pk", flat=True)
            .first()
        )
    _ready_email_send(signup=signup, tenant=tenant, set_password_url=result.set_password_url)
    SignupRequest.objects.filter(pk=signup.pk).update(
        status=SignupRequest.Status.READY,
        admin_user_id=admin_id,
        ready_at=timezone.now(),
        updated_at=timezone.now(),
    )
    logger.info("signup.ready", extra=extra | {"seconds": round(result.seconds, 3)})
    return SignupRequest.objects.get(pk=signup.pk)


def _failure_record(
    *, signup: SignupRequest, error: BaseException, final: bool, extra: dict[str, Any]
) -> None:
    message = f"{error.__class__.__name__}: {error}"[:300]
    SignupRequest.objects.filter(pk=signup.pk).update(
        status=SignupRequest.Status.FAILED if final else SignupRequest.Status.PAID,
        error=message,
        updated_at=timezone.now(),
    )
    if not final:
        logger.warning("signup.provision.retry", extra=extra | {"error": message})
        return
    logger.error("signup.provision.failed", extra=extra | {"error": message})
    mail_admins(
        f"Sign-up provisioning failed: {signup.slug}",
        f"The paid sign-up {signup.public_id} ({signup.name}, {signup.slug}, {signup.email}) "
        f"could not be provisioned after {signup.attempts} attempt(s).\n\n{message}\n\n"
        "Nothing was left behind (provisioning is transactional). Fix the cause, then retry "
        "it from the console (signup.services.signup_retry).",
        fail_silently=True,
    )


def signup_retry(*, signup: SignupRequest) -> bool:
    """Schedule a failed sign-up's provisioning again (after the cause was fixed)."""
    with transaction.atomic():
        locked = SignupRequest.objects.select_for_update().get(pk=signup.pk)
        if locked.status != SignupRequest.Status.FAILED or not locked.stripe_subscription_id:
            return False
        locked.status = SignupRequest.Status.PAID
        locked.save(update_fields=["status", "updated_at"])
        outbox_enqueue(SIGNUP_PROVISION_TASK, locked.pk)
    return True


def _ready_email_send(*, signup: SignupRequest, tenant: Tenant, set_password_url: str) -> None:
    with translation.override(tenant.default_language):
        subject = _("Your Entraide instance %(name)s is ready") % {"name": tenant.name}
        body = _(
            "Hello,\n\n%(name)s is ready at %(url)s\n\nChoose your password to sign in again "
            "later (this link works once):\n%(link)s\n"
        ) % {"name": tenant.name, "url": tenant.base_url + "/", "link": set_password_url}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [signup.email], fail_silently=True)


def _jti_hash(jti: str) -> str:
    return hashlib.sha256(jti.encode()).hexdigest()


def signup_handoff_url(*, signup: SignupRequest) -> str | None:
    """A single-use link that signs the new admin in on the new instance (the progress page's
    last step); a new one replaces the previous. None once used, or before the tenant is
    ready."""
    if signup.status != SignupRequest.Status.READY or signup.tenant is None:
        return None
    if signup.handoff_used_at is not None or signup.admin_user_id is None:
        return None
    jti = secrets.token_urlsafe(16)
    SignupRequest.objects.filter(pk=signup.pk, handoff_used_at__isnull=True).update(
        handoff_jti=_jti_hash(jti)
    )
    token = tenant_dumps(
        "signup_handoff",
        {"s": str(signup.public_id), "u": signup.admin_user_id, "j": jti},
        tenant=signup.tenant,
    )
    return signup.tenant.base_url + HANDOFF_PATH.format(token=token)


def signup_handoff_consume(*, tenant: Tenant, token: str) -> int:
    """The admin's user id in this tenant, once per hand-off. Raises SignupLinkInvalid (a token
    of another tenant, expired, altered, or already used)."""
    try:
        value = tenant_loads("signup_handoff", token, tenant=tenant)
        public_id = uuid.UUID(str(value["s"]))
        user_id = int(value["u"])
        jti = str(value["j"])
    except (InvalidToken, KeyError, TypeError, ValueError):
        raise SignupLinkInvalid from None
    with transaction.atomic():
        signup = (
            SignupRequest.objects.select_for_update()
            .filter(public_id=public_id, tenant_id=tenant.pk, admin_user_id=user_id)
            .first()
        )
        if (
            signup is None
            or signup.handoff_used_at is not None
            or not secrets.compare_digest(signup.handoff_jti, _jti_hash(jti))
        ):
            raise SignupLinkInvalid
        signup.handoff_used_at = timezone.now()
        signup.save(update_fields=["handoff_used_at", "updated_at"])
    return user_id
