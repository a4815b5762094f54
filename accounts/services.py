"""Writes on accounts: creating users and admins, one-time set-password links."""

from __future__ import annotations

import logging

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.db import transaction
from django.urls import reverse

from accounts.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    role: str = User.Role.VOLUNTEER,
    email_verified: bool = False,
) -> User:
    """A user of the current tenant, with its allauth e-mail address record."""
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        role=role,
        is_staff=role == User.Role.ADMIN,
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    logger.info("user.created", extra={"user_id": user.pk, "role": role})
    return user


def user_create_tenant_admin(*, email: str) -> User:
    """The tenant's first admin: no password until they follow their set-password link."""
    return user_create(email=email, role=User.Role.ADMIN, email_verified=True)


def user_set_password_path(*, user: User) -> str:
    """A one-time path to choose a password (it stops working once a password is set)."""
    return reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
