from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.choices import choice_display


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        extra.setdefault("role", User.Role.ADMIN)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address, inside one tenant (or platform staff)."""

    class Role(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer")
        MODERATOR = "moderator", _("Moderator")
        ADMIN = "admin", _("Tenant admin")

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VOLUNTEER)
    # Shown on every row of the back office's people (tenants/choices.py).
    get_role_display = choice_display("role", Role)
    language = models.CharField(max_length=8, blank=True)
    is_active = models.BooleanField(default=True)
    # Reaches the Django admin of its own schema (tenant admins, platform staff).
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email.split("@")[0]

    @property
    def display_name(self) -> str:
        return self.get_full_name()

    @property
    def is_tenant_admin(self) -> bool:
        return self.is_active and self.role == self.Role.ADMIN

    @property
    def is_moderator(self) -> bool:
        return self.is_active and self.role in {self.Role.ADMIN, self.Role.MODERATOR}
