"""Authentication events into the access log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import UserSession
from audit import services as audit
from audit.models import AccessOutcome, Action


@receiver(user_login_failed, dispatch_uid="lotsa_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    audit.record(
        action=Action.LOGIN_FAILURE, outcome=AccessOutcome.DENIED, actor_username=username, reason="password"
    )


@receiver(user_locked_out, dispatch_uid="lotsa_locked_out")
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit.record(
        action=Action.LOCKOUT,
        outcome=AccessOutcome.DENIED,
        actor_username=username or "",
        reason="too many failures",
    )


@receiver(user_logged_out, dispatch_uid="lotsa_logged_out")
def on_logged_out(sender, request=None, user=None, **kwargs):
    if user is None:
        return
    if request is not None and request.session.session_key:
        # The session is over: single logout (accounts.saml) must not find it any more.
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    reason = getattr(request, "lotsa_logout_reason", "user") if request is not None else "user"
    action = Action.SESSION_EXPIRED if reason != "user" else Action.LOGOUT
    audit.record(action=action, actor=user, reason=reason)
