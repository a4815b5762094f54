"""Forms of the back office's people pages: finding people and organizations, changing a role,
suspending, inviting, and managing an organization's admins. They check the shape of the input;
the rules (last admin, plan limit, self-demotion) are the services' (accounts.roles,
accounts.invitations, engagement.organizations.services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.invitations import NAME_MAX_LENGTH
from accounts.models import User
from engagement.backoffice.selectors_people import PersonStatus
from engagement.form_fields import SummarisedErrorsForm

SEARCH_MAX_LENGTH = 100


class PeopleSearchForm(SummarisedErrorsForm):
    q = forms.CharField(
        label=_("Name or e-mail"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *User.Role.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            (PersonStatus.ACTIVE, _("Active")),
            (PersonStatus.SUSPENDED, _("Suspended")),
            (PersonStatus.INVITED, _("Invitation pending")),
        ],
    )


class RoleChangeForm(SummarisedErrorsForm):
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices, widget=forms.RadioSelect)
    confirm_self = forms.BooleanField(
        label=_("I understand that I am changing my own role"), required=False
    )


class SuspendForm(SummarisedErrorsForm):
    confirm_self = forms.BooleanField(
        label=_("I understand that I am suspending my own account"), required=False
    )


class InviteForm(SummarisedErrorsForm):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    first_name = forms.CharField(label=_("First name"), required=False, max_length=NAME_MAX_LENGTH)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=NAME_MAX_LENGTH)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=User.Role.choices,
        initial=User.Role.VOLUNTEER,
        widget=forms.RadioSelect,
    )


class OrganizationSearchForm(SummarisedErrorsForm):
    q = forms.CharField(
        label=_("Name of the organization"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class OrganizationAdminAddForm(SummarisedErrorsForm):
    email = forms.EmailField(
        label=_("E-mail of an account of this site"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class MemberRemoveForm(SummarisedErrorsForm):
    confirm_last_admin = forms.BooleanField(
        label=_("Remove the last administrator anyway"), required=False
    )
