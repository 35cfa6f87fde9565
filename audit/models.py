"""The access log: one hash-chained, append-only event for every access (architecture invariant 3).

Events hold identifiers and decisions, never personal data in clear: who (user id and a snapshot
of username, organisation and role), what (action, target type and id, the subject's id), why
(purpose or legal ground, the decision's reason), the outcome, the request id and client address.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("view")
    LIST = "list", _("list")
    SEARCH = "search", _("search")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    ASSIGN = "assign", _("assign")
    LOGIN = "login", _("login")
    LOGIN_FAILURE = "login_failure", _("login failure")
    LOCKOUT = "lockout", _("lockout")
    LOGOUT = "logout", _("logout")
    SESSION_EXPIRED = "session_expired", _("session expired")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("second factor enrolled")
    SECOND_FACTOR_RESET = "second_factor_reset", _("second factor reset")
    ACCOUNT_DISABLED = "account_disabled", _("account disabled")
    CONSENT_CHANGE = "consent_change", _("consent change")
    EMERGENCY_ACCESS = "emergency_access", _("emergency access")
    DENIAL = "denial", _("denial")
    KEY_ROTATION = "key_rotation", _("key rotation")
    SHRED = "shred", _("crypto-shredding")


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("allowed")
    DENIED = "denied", _("denied")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit events are append-only")

    def delete(self):
        raise TypeError("audit events are append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError("audit events are append-only")


class AccessEvent(models.Model):
    GENESIS_HASH = "0" * 64

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_organisation_id = models.BigIntegerField(null=True, blank=True)
    actor_organisation = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    subject_id = models.UUIDField(null=True, blank=True, db_index=True)
    purpose = models.CharField(max_length=100, blank=True)
    legal_ground = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)
    # prev_hash is unique: two events can never claim the same predecessor, so the chain cannot fork
    # even if the append lock were bypassed.
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("access event")
        verbose_name_plural = _("access events")

    def __str__(self) -> str:
        return f"AccessEvent #{self.seq} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only")
