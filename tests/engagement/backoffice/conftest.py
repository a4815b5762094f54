"""Clients signed in to the back office.

- `backoffice_admin(tenant)`: a client signed in (password + TOTP) as a new tenant admin;
  the admin is `client.user`.
- `backoffice_moderator(tenant)`: a client signed in as a new moderator (`client.user`).
- `backoffice_volunteer(tenant)`: a client signed in as a new volunteer (`client.user`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from tests.accounts.conftest import login, login_with_mfa, make_user, mfa_enable, set_password

_numbers = itertools.count(1)


def _signed_in(tenant, client_for, *, role: str, mfa: bool) -> Client:  # type: ignore[no-untyped-def]
    user = make_user(tenant, f"{role}-{next(_numbers)}@backoffice.example", role=role)
    client = client_for(tenant)
    if mfa:
        set_password(tenant, user)
        login_with_mfa(client, user.email, mfa_enable(tenant, user))
    else:
        login(client, user.email)
    client.user = user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def backoffice_admin(client_for) -> Callable[..., Client]:  # type: ignore[no-untyped-def]
    return lambda tenant: _signed_in(tenant, client_for, role=User.Role.ADMIN, mfa=True)


@pytest.fixture
def backoffice_moderator(client_for) -> Callable[..., Client]:  # type: ignore[no-untyped-def]
    return lambda tenant: _signed_in(tenant, client_for, role=User.Role.MODERATOR, mfa=False)


@pytest.fixture
def backoffice_volunteer(client_for) -> Callable[..., Client]:  # type: ignore[no-untyped-def]
    return lambda tenant: _signed_in(tenant, client_for, role=User.Role.VOLUNTEER, mfa=False)
