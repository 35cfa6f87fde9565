from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import identities
from accounts.models import Organisation, User, role_conflicts, roles_not_fitting
from accounts.roles import Role
from lotsa import forms as id_fields


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class _AccountFields(forms.Form):
    first_name = forms.CharField(label=_("Given name"), max_length=150)
    last_name = forms.CharField(label=_("Surname"), max_length=150)
    email = forms.EmailField(label=_("Work e-mail"), required=False)
    organisation = id_fields.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True)

    def clean_organisation(self):
        organisation = self.cleaned_data["organisation"]
        if not organisation.accepts_users:
            raise forms.ValidationError(_("This organisation refers people but has no users."))
        return organisation

    def clean(self):
        cleaned = super().clean()
        roles = set(cleaned.get("roles") or [])
        for problem in role_conflicts(roles):
            self.add_error("roles", problem)
        organisation = cleaned.get("organisation")
        if organisation is not None:
            for problem in roles_not_fitting(roles, organisation.kind):
                self.add_error("roles", problem)
        return cleaned


class UserCreateForm(_AccountFields):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and . @ + - _ only.")},
    )
    field_order = ["username", "first_name", "last_name", "email", "organisation", "roles"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken."))
        return username


class UserEditForm(_AccountFields):
    is_active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("Disabling an account ends all its sessions at once.")
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose approve or refuse.")},
    )
    note = forms.CharField(label=_("Note (the administrator sees it)"), max_length=300, required=False)


class ActivationForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    first_part = forms.CharField(
        label=_("Code from your administrator"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    second_part = forms.CharField(
        label=_("Code from your supervisor (if you were given one)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "district", "is_active"]

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        changed = Organisation(kind=kind)
        if not changed.accepts_users and self.instance.pk and self.instance.users.exists():
            raise forms.ValidationError(_("This kind of organisation has no users, and this one has some."))
        return kind


class IdentityLinkForm(forms.Form):
    """An identity at a login provider for an account: the value of the claim the provider is
    matched by (its subject, an employee or HSA id), as the provider's administrators give it."""

    provider = forms.ChoiceField(label=_("Login provider"), choices=())
    value = forms.CharField(
        label=_("The person's identity at the provider"),
        max_length=255,
        help_text=_("The value of the claim Lotsa matches, exactly as the provider sends it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [
            (provider.key, f"{provider.name} ({provider.claim})") for provider in identities.login_providers()
        ]
