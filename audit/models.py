"""The access log: an append-only event for every access, sealed into a hash chain (invariant 3).

A request writes its events in its own transaction, without a global lock; the sealer (audit/seal.py)
then chains them in batches, and the anchor writer signs checkpoints of the chain to a store outside
the database (audit/anchors.py). Every table here is append-only: in the ORM, and on PostgreSQL by
triggers that bind the application's role too. The one way out is the log's own retention: the oldest
seals, past ``LOTSA_AUDIT_RETENTION_YEARS``, leave whole under a signed :class:`Pruning` record
(audit/retention.py), through one narrow door on PostgreSQL (audit/migrations/0011).

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
    DECIDE = "decide", _("decide")
    WITHDRAW = "withdraw", _("withdraw")
    # The sealer remembering a record it wrote to the anchor file, and recoveries of the anchor file.
    ANCHOR = "anchor", _("anchor of the access log")


class AccessOutcome(models.TextChoices):
    ALLOWED = "allowed", _("allowed")
    DENIED = "denied", _("denied")
    # Allowed on the object as the user's page showed it, which someone changed meanwhile: nothing
    # was done (optimistic locking). Not a denial: the user lost a race, and was told so.
    CONFLICT = "conflict", _("changed meanwhile")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the access log is append-only")

    def delete(self):
        raise TypeError("the access log is append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError("the access log is append-only")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the access log is append-only")


@models.UUIDField.register_lookup
@models.DateTimeField.register_lookup
class StoredCanonical(models.Lookup):
    """``column__stored_canonical=True``, for CHECK constraints: on SQLite, whose columns take any text,
    the value must be in the one form Django writes (a uuid as 32 lower-case hex digits, a timestamp
    as ``YYYY-MM-DD HH:MM:SS[.ffffff]``), so a restyled value is refused on write. On PostgreSQL the
    column's type already fixes the form: always true."""

    lookup_name = "stored_canonical"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        return "1 = 1", []

    def as_sqlite(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        if isinstance(self.lhs.output_field, models.UUIDField):
            form = f"(length({column}) = 32 AND {column} NOT GLOB '*[^0-9a-f]*')"
        else:
            second = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
            form = f"({column} GLOB '{second}' OR {column} GLOB '{second}.[0-9][0-9][0-9][0-9][0-9][0-9]')"
        return f"({column} IS NULL OR (typeof({column}) = 'text' AND {form}))", params


def _canonical(*columns: str, model: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{column}__stored_canonical": True}), name=f"{model}_{column}_canonical"
        )
        for column in columns
    ]


class AccessEventQuerySet(AppendOnlyQuerySet):
    def naming(self, subject_id):
        """Events that name a person: alone (``subject_id``) or among the people a list showed (one
        indexed row each), in one query."""
        return self.naming_any([subject_id])

    def naming_any(self, subject_ids):
        """Events that name any of several ids of one person (a record and those merged into it), as
        :meth:`naming` does for one, in one query: the ids of the events naming them alone and of
        those naming them among others, each read from its index and put together (a ``UNION``), not
        ``subject_id IN (…) OR id IN (…)``, which PostgreSQL can only answer by reading the whole log."""
        subject_ids = list(subject_ids)
        alone = AccessEvent.objects.filter(subject_id__in=subject_ids).order_by().values("pk")
        listed = AccessEventSubject.objects.filter(subject_id__in=subject_ids).order_by().values("event_id")
        return self.filter(pk__in=alone.union(listed, all=True))


class TransactionId(models.Func):
    """The writing transaction's id, as the column default of every row of the log.

    PostgreSQL: the top-level transaction id (xid8, 64 bits, never wraps). A transaction whose id is
    below the oldest running one's has ended, so the sealer seals events in (transaction, id) order up
    to that watermark and no event can later appear below a seal. SQLite: 0, because one transaction
    writes at a time, so ids already follow commits.
    """

    template = "0"
    output_field = models.BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


class AccessEvent(AppendOnly):
    """One act: a read, a list, a search, a change, a login. Written in the request's own transaction,
    unchained; a :class:`Seal` later chains it. A list names its people in :class:`AccessEventSubject`
    rows (``subject_count`` of them); a single act names its person in ``subject_id``."""

    txn = models.BigIntegerField(db_default=TransactionId(), editable=False)
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
    subject_count = models.PositiveIntegerField(default=0)
    purpose = models.CharField(max_length=100, blank=True)
    legal_ground = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=8, choices=AccessOutcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["txn", "id"], name="audit_event_seal_order"),
            # The log's memory of its anchors (audit.services.remembered_anchor), by number.
            models.Index(
                fields=["target_id"],
                name="audit_event_anchor_memory",
                condition=models.Q(target_type="audit.anchor"),
            ),
            # The logins by how they were made: the break-glass logins waiting at the desk and on the
            # start page are counted among the logins only, not by reading the whole log (a million
            # events: 70-120 ms a page on PostgreSQL without it).
            models.Index(
                fields=["reason", "outcome"], name="audit_event_logins", condition=models.Q(action="login")
            ),
        ]
        # No row below the first seal's range: a transaction id is never negative.
        constraints = [
            *_canonical("occurred_at", "subject_id", model="audit_event"),
            models.CheckConstraint(condition=models.Q(txn__gte=0), name="audit_event_txn_not_negative"),
        ]
        verbose_name = _("access event")
        verbose_name_plural = _("access events")

    def __str__(self) -> str:
        return f"AccessEvent #{self.pk} {self.action} {self.outcome}"


class AccessEventSubject(AppendOnly):
    """One person a list showed: one indexed row per person, sealed with its event."""

    event = models.ForeignKey(AccessEvent, on_delete=models.DO_NOTHING, related_name="subjects")
    txn = models.BigIntegerField(db_default=TransactionId(), editable=False)
    subject_id = models.UUIDField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["txn", "event", "subject_id"], name="audit_subject_seal_order")]
        constraints = [
            *_canonical("subject_id", model="audit_subject"),
            models.CheckConstraint(condition=models.Q(txn__gte=0), name="audit_subject_txn_not_negative"),
        ]
        verbose_name = _("person named by an access event")
        verbose_name_plural = _("people named by access events")

    def __str__(self) -> str:
        return f"AccessEventSubject of event #{self.event_id}"


class Seal(AppendOnly):
    """A batch of events chained to the batch before: it covers every event after the previous seal's
    (txn, id) up to and including its own, and their per-person rows, by a digest of their stored form.

    Every column is an integer or a lower-case hex string, so its stored form cannot be restyled
    without changing the hash. ``seq`` and ``prev_hash`` are unique: the chain cannot fork.
    """

    GENESIS_HASH = "0" * 64

    seq = models.BigIntegerField(unique=True)
    sealed_at_us = models.BigIntegerField()  # microseconds since 1970-01-01 UTC
    last_txn = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    events = models.PositiveIntegerField()
    subjects = models.PositiveIntegerField()
    total = models.BigIntegerField()  # events in this seal and every seal before it
    digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("seal of the access log")
        verbose_name_plural = _("seals of the access log")

    def __str__(self) -> str:
        return f"Seal #{self.seq} ({self.events} events)"


class Pruning(AppendOnly):
    """A signed record that the oldest seals of the log, through ``through_seal``, were removed with
    their events and the rows naming people (the access log's own retention, audit/retention.py).

    It names the last removed seal (number, hash, the end of its range and its running total), so that
    verification of what remains starts from it as from a genesis; the records are numbered and each
    names the one before by its hash. Signed with the anchor key (audit/pruning.py); on PostgreSQL only
    the function ``audit_prune`` writes one, and the log's rows may be deleted only in the transaction
    that inserts it, at or below its bound (audit/migrations/0011). Kept for ever: it holds no personal
    data.
    """

    n = models.BigIntegerField(unique=True)
    txn = models.BigIntegerField(db_default=TransactionId(), editable=False)
    through_seal = models.BigIntegerField()
    seal_hash = models.CharField(max_length=64)
    last_txn = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    total = models.BigIntegerField()  # events in the removed seals and every seal removed before them
    events = models.BigIntegerField()  # removed by this record
    subjects = models.BigIntegerField()
    seals = models.BigIntegerField()
    cutoff_us = models.BigIntegerField()  # events before this moment (microseconds since 1970, UTC)
    pruned_at_us = models.BigIntegerField()
    key_id = models.CharField(max_length=16)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=100)

    class Meta:
        ordering = ["n"]
        verbose_name = _("pruning of the access log")
        verbose_name_plural = _("prunings of the access log")

    def __str__(self) -> str:
        return f"Pruning #{self.n} (through seal #{self.through_seal})"
