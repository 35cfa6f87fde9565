"""``{% passkey_scripts "login" %}`` / ``{% passkey_scripts "add" %}``: django-otp-webauthn's script for
the login's passkey step or for adding a passkey, served from Lotsa's own static files (no CDN), with
its settings (Lotsa's own ceremony addresses, accounts/passkeys.py) and its words."""

from __future__ import annotations

from django import template
from django.middleware import csrf
from django.urls import reverse

register = template.Library()

SCRIPTS = {
    "login": "django_otp_webauthn/otp_webauthn_auth.js",
    "add": "django_otp_webauthn/otp_webauthn_register.js",
}


@register.inclusion_tag("accounts/passkey_scripts.html", takes_context=True)
def passkey_scripts(context, ceremony: str) -> dict:
    request = context["request"]
    configuration = {
        "autocompleteLoginFieldSelector": None,
        "nextFieldSelector": None,
        "csrfToken": csrf.get_token(request),
        "beginAuthenticationUrl": reverse("accounts:passkey_login_begin"),
        "completeAuthenticationUrl": reverse("accounts:passkey_login_complete"),
        "beginRegistrationUrl": reverse("accounts:passkey_add_begin"),
        "completeRegistrationUrl": reverse("accounts:passkey_add_complete"),
    }
    return {"configuration": configuration, "script": SCRIPTS[ceremony]}
