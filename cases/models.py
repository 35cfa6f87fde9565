"""People and their cases (the case core), and the models of the hand-overs and first contacts, which
are defined in their packages and registered here.

Every personal field of a person is encrypted under the person's own data key; the personal
identity number is also kept as a blind index for exact-match search.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models.expressions import DatabaseDefault
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases import names
from cases import personal_number as pnr
from cases import reserve_identity as reserve
from cases.records import PersonalRecord
from cases.words import (
    Activity,
    CaseStatus,
    CloseReason,
    Milieu,
    ProtectedIdentity,
    TargetGroup,
    VisitedPage,
)
from lotsa import crypto
from lotsa.crypto import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from lotsa.querysets import GuardedQuerySet
from lotsa.records import GuardedRecord
from lotsa.vocabulary import InformationCategory


class PersonFacts:
    """What is derived from a person's stored fields, for every model that holds a person's identity."""

    @property
    def is_protected(self) -> bool:
        return self.protected_identity != ProtectedIdentity.NONE

    @property
    def birth_date(self) -> dt.date | None:
        """From the number; for a person recorded without one, the birth date recorded with them (a
        year only is its 1st of January: the earliest it can be, see reserve_identity)."""
        number = self.personal_number
        if number and len(number) == 12 and number.isdigit():
            return pnr.birth_date(number)
        return getattr(self, "recorded_birth_date", None)

    @property
    def birth_date_is_approximate(self) -> bool:
        return not self.personal_number and getattr(self, "birth_date_precision", "") in (
            reserve.BirthDatePrecision.APPROXIMATE,
            reserve.BirthDatePrecision.YEAR,
        )

    @property
    def birth_date_display(self) -> str:
        """The birth date as a page shows it: a year only as the year, an approximate one marked."""
        born = self.birth_date
        if born is None:
            return ""
        precision = "" if self.personal_number else getattr(self, "birth_date_precision", "")
        if precision == reserve.BirthDatePrecision.YEAR:
            return str(_("%(year)s (year only)") % {"year": born.year})
        if precision == reserve.BirthDatePrecision.APPROXIMATE:
            return str(_("%(day)s (approximate)") % {"day": born.isoformat()})
        return born.isoformat()

    def age(self, today: dt.date | None = None) -> int | None:
        born = self.birth_date
        if born is None:
            return None
        today = today or timezone.localdate()
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def personal_number_display(self) -> str:
        """The number, or for a person without one their reserve identity (lists and prints show it
        in the number's place)."""
        number = self.personal_number or ""
        if not number and getattr(self, "reserve_identity", None):
            identity = self.reserve_identity
            return reserve.formatted(identity) if reserve.is_reserve_identity(identity) else identity
        return pnr.formatted(number) if len(number) == 12 and number.isdigit() else number


class Person(PersonFacts, GuardedRecord):
    """A person as one unit knows them. Each organisation keeps its own record of a person, so that
    nothing one unit recorded reaches another except through the consent policy; the blind index of
    the personal identity number links the records of the same person where a rule allows it."""

    encryption_subject_field = "pk"  # a person's fields are under their own key

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("kept by"), on_delete=models.PROTECT, related_name="people"
    )
    given_names = EncryptedTextField(_("given names"))
    surname = EncryptedTextField(_("surname"))
    personal_number = EncryptedTextField(_("personal identity number"))
    personal_number_index = BlindIndexField(source="personal_number", normalise=pnr.normalise_or_none)
    # A person without a Swedish number (yet): a reserve identity (cases/reserve_identity.py), encrypted
    # and blind-indexed as the number is, and the birth date recorded with it, which may be approximate
    # or a year only (its precision a plain column: it says how well the date is known, not the date).
    # A record merged into one with a number keeps the reserve identity it had, so that papers naming it
    # still find the person.
    reserve_identity = EncryptedTextField(_("reserve identity"))
    reserve_identity_index = BlindIndexField(source="reserve_identity", normalise=reserve.normalise_or_none)
    recorded_birth_date = EncryptedDateField(_("date of birth"))
    birth_date_precision = models.CharField(
        _("the date of birth is"), max_length=16, choices=reserve.BirthDatePrecision.choices, blank=True
    )
    contact = EncryptedJSONField(_("contact details"))
    address = EncryptedJSONField(_("address"))
    protected_identity = models.CharField(
        _("protected identity"),
        max_length=32,
        choices=ProtectedIdentity.choices,
        default=ProtectedIdentity.NONE,
    )
    # Where the level came from (protection follows the person): the unit whose decision raised it
    # (a plain column, not personal data: it is never shown to another unit), when, the decision
    # (one id shared by every unit's record it raised), and the level this record had before it.
    # Only that unit lowers it, with a reason, approved by its supervisor (ProtectionLowering).
    protection_raised_by = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    protection_raised_at = models.DateTimeField(null=True, blank=True)
    protection_decision = models.UUIDField(null=True, blank=True, db_index=True)
    protection_level_before = models.CharField(
        max_length=32, choices=ProtectedIdentity.choices, blank=True, default=""
    )
    protection_lowered_at = models.DateTimeField(null=True, blank=True)
    # The earlier raises a later one overtook in this record, oldest first, each as the fields above
    # held it (raised_by, raised_at, decision, level_before): when the later raise is lowered back to
    # the level it found, the one it overtook is in force again, and its unit is the one to lower it.
    protection_overtaken = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Erased (crypto-shredded): the data key is destroyed, the blind index cleared, and the person's
    # cases leave every list and search. The row stays, as the record that the erasure happened.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Merged into another record of the unit (PersonMerge): everything that pointed here points there,
    # the data was re-encrypted under that record's key, and this record's key is destroyed (erased_at).
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "personal_number_index"], name="one_person_per_number_per_unit"
            ),
            models.UniqueConstraint(
                fields=["organisation", "reserve_identity_index"],
                name="one_person_per_reserve_identity_per_unit",
            ),
        ]
        # The few erased people, so that "not erased" is an anti-join against a small index rather
        # than a join with every person (lists filter on it).
        indexes = [
            models.Index(fields=["id"], condition=models.Q(erased_at__isnull=False), name="person_erased"),
            # The few merged records, so that finding the ones merged into a person (every read of the
            # people an access log names) is a look-up: with the foreign key's own index alone, SQLite's
            # statistics of a column all but empty made it scan every person.
            models.Index(
                fields=["merged_into"], condition=models.Q(merged_into__isnull=False), name="merged_people"
            ),
        ]

    def save(self, *args, **kwargs):
        if self.erased_at is not None:
            raise ValueError(f"person {self.pk} is erased and can no longer change")
        # The number is always kept in its canonical twelve digits (or refused), so that its blind
        # index finds it however it is typed.
        number = self.personal_number
        if number is not None and not (len(number) == 12 and number.isdigit()):
            self.personal_number = pnr.normalise(number)
        identity = self.reserve_identity
        if identity is not None and not reserve.is_reserve_identity(identity):
            self.reserve_identity = reserve.normalise(identity)
        # The name index follows the names and the birth year, on every save that writes either.
        renamed = self._state.adding or bool(NAME_INDEX_SOURCES & set(crypto.encrypted_fields_written(self)))
        super().save(*args, **kwargs)
        if renamed:
            self.name_index_refresh()

    def name_index_refresh(self) -> None:
        """Write the person's rows of the name index anew (cases/names.py) from the decrypted names."""
        born = self.birth_date
        rows = names.entries(
            given_names=self.given_names, surname=self.surname, birth_year=born.year if born else None
        )
        PersonNameToken.objects.filter(person=self).delete()
        PersonNameToken.objects.bulk_create(
            PersonNameToken(person=self, kind=kind, digest=digest) for kind, digest in sorted(rows)
        )


# What the name index is computed from: a save that writes any of these refreshes it.
NAME_INDEX_SOURCES = frozenset({"given_names", "surname", "personal_number", "recorded_birth_date"})


class PersonNameToken(models.Model):
    """One row of the name index: a truncated keyed hash of one of a person's name tokens (alone or
    with the birth year, spelled or as it sounds). Nothing here can be read back to a name; what the
    rows leak is in docs/security.md. Erasing the person deletes them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_tokens")
    kind = models.PositiveSmallIntegerField(choices=names.Kind.choices)
    digest = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["kind", "digest", "person"], name="person_name_token")]

    def __str__(self) -> str:
        return f"name token {self.pk}"


class LatestActivityField(models.DateTimeField):
    """A case's latest activity: on insert, the opening itself, unless a value is given (every way a
    case is made, ``bulk_create`` too, fills it; ``opened_at`` is declared first, so it is set by then).
    A save of an existing case writes the column back as it stands in the database, never the instance's
    value: an instance read before a journal entry was written would otherwise move it back. Only the
    services move it (cases.services.case_latest_activity_move, case_latest_activity_recount)."""

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if not add:
            return models.F(self.attname)
        if value is None or isinstance(value, DatabaseDefault):
            value = model_instance.opened_at
            setattr(model_instance, self.attname, value)
        return value


class Case(PersonalRecord):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    owner_unit = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="cases"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible social worker"),
        on_delete=models.PROTECT,
        related_name="responsible_for",
        null=True,
        blank=True,
    )
    activity = models.CharField(_("activity"), max_length=32, choices=Activity.choices)
    milieu = models.CharField(_("milieu"), max_length=32, choices=Milieu.choices, default=Milieu.UNCLEAR)
    target_group = models.CharField(
        _("target group"), max_length=32, choices=TargetGroup.choices, default=TargetGroup.PERSON_CONCERNED
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPENED
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock: bumped by every change.")
    # A district's case of a young person is the child and youth unit's until the person outgrows it
    # (LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE): the day it ends, written when the case is opened, as a plain
    # date so that the handler's task to hand over is counted without decrypting a personal identity
    # number. None: no such limit (another unit, an adult, an unknown birth date).
    youth_unit_ends_on = models.DateField(
        _("the child and youth unit's responsibility ends"), null=True, blank=True
    )
    # The newest of the opening, the case's journal entries and its changes of status (what
    # cases.queries.latest_activity_computed computes from those rows, kept here so that my cases reads
    # a page of it in an index's order instead of computing it for every case of the user and sorting).
    # Moved only by the services that write those rows (cases.services.case_latest_activity_move and
    # case_latest_activity_recount), never by a save of the case. The database's default is a fallback
    # for rows inserted past the model (the field fills it from ``opened_at`` otherwise).
    latest_activity = LatestActivityField(_("Latest activity"), db_default=Now())

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["owner_unit", "status"]),
            # The lists: my cases (newest first) and the unit's cases for its supervisor.
            models.Index(fields=["responsible", "-opened_at"], name="case_responsible_newest"),
            models.Index(fields=["owner_unit", "-opened_at"], name="case_unit_newest"),
            # As the lists open: latest activity first (ties by id, as lotsa.listing breaks them), a page read
            # in the index's order. The user's: within the unit the policy filters by too, so that SQLite
            # prefers it to the unit's (whose order it also has) without statistics.
            models.Index(
                fields=["responsible", "owner_unit", "-latest_activity", "-id"],
                name="case_responsible_unit_latest",
            ),
            models.Index(fields=["owner_unit", "-latest_activity", "-id"], name="case_unit_latest"),
        ]

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED


class CaseStatusChange(PersonalRecord):
    """The full history of a case's status. The free text may hold personal data: it is encrypted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=CloseReason.choices, blank=True)
    reason_text = EncryptedTextField(_("description"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)
    # The case's version this change made (its optimistic lock), so that a post made from an older
    # page is judged on the case as that page showed it. Empty for changes made before it was kept.
    version = models.PositiveIntegerField(null=True, blank=True)

    NEWS_EVENTS = (("changed_at", "changed_by"),)  # lotsa.news: new since the user's last visit

    class Meta:
        ordering = ["changed_at"]
        # A case's newest change, read from the index alone (as journal_case_newest does for its
        # entries): the latest activity computed from the rows (cases.queries.latest_activity_computed),
        # which the case keeps (Case.latest_activity) and a draft's deletion computes again.
        indexes = [models.Index(fields=["case", "-changed_at"], name="status_case_newest")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.status}"


class CaseReassignment(models.Model):
    """A supervisor's change of the responsible social worker."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reassignments")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(null=True, blank=True)  # the case's version it made

    NEWS_EVENTS = (("at", "by"),)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_user_id} -> {self.to_user_id}"


class SignedEntryError(Exception):
    """A signed journal entry is never changed or deleted; it is corrected by a new entry."""


class JournalQuerySet(GuardedQuerySet):
    """Bulk writes would bypass the rule that signed entries never change: they are refused."""

    def update(self, **kwargs):
        raise SignedEntryError("journal entries change only through cases.services")

    def delete(self):
        raise SignedEntryError("journal entries change only through cases.services")


class JournalEntry(PersonalRecord):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="journal")
    category = models.CharField(_("information category"), max_length=32, choices=InformationCategory.choices)
    text = EncryptedTextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
    )
    # Optimistic lock of a draft: bumped by every edit, so that a page that showed an older text (the
    # author's other tab) cannot overwrite a newer one, and so that the change history records that
    # the draft changed even when only its (encrypted, unlogged) text did.
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock: bumped by every edit.")

    objects = JournalQuerySet.as_manager()

    # Written, and (later, perhaps by someone else) signed: each is news to the other handlers.
    NEWS_EVENTS = (("created_at", "author"), ("signed_at", "signed_by"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        # The case page shows a case's journal newest first, one page at a time.
        indexes = [models.Index(fields=["case", "-created_at"], name="journal_case_newest")]

    def save(self, *args, **kwargs):
        if not self._state.adding and self._stored_as_signed():
            raise SignedEntryError(f"journal entry {self.pk} is signed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_as_signed():
            raise SignedEntryError(f"journal entry {self.pk} is signed")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def _stored_as_signed(self) -> bool:
        return JournalEntry.objects.filter(pk=self.pk, signed_at__isnull=False).exists()


class CaseVisit(models.Model):
    """When a user last opened a case's page (or its intervention group's page): what "new since your
    last visit" is measured from (lotsa.news). One row per user, case and page, moved forward by the
    page's selector (one UPSERT) after its decision to show the page was allowed and recorded, never on
    a denial. It holds no client's data beyond the link between a member of staff and a case (the
    access log keeps that link anyway); it goes with the case (CASCADE), and an erasure deletes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    page = models.CharField(max_length=8, choices=VisitedPage.choices)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "case", "page"], name="one_visit_per_user_case_page")
        ]

    def __str__(self) -> str:
        return f"CaseVisit {self.pk}"


# django-guardian object permissions with direct foreign keys (faster than the generic ones, and
# deleted with the case instead of being left behind).
class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class AssignmentRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class AssignmentRequest(PersonalRecord):
    """A social worker of the owning unit asks to be assigned to a case of a person the unit already
    keeps a record of. Until the supervisor or the responsible social worker grants it, the asker
    sees nothing of the person. The reason may name the person: it is encrypted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignment_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = EncryptedTextField(_("why you need the case"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AssignmentRequestStatus.choices,
        default=AssignmentRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "requested_by"],
                condition=models.Q(status=AssignmentRequestStatus.PENDING),
                name="one_pending_assignment_request",
            )
        ]


class ProtectionLoweringStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the supervisor's approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ProtectionLowering(PersonalRecord):
    """A request to lower a person's protected-identity level: made by a handler of the unit that
    raised it, from one of its cases, with a reason; it takes effect when that unit's supervisor
    approves (never the one who asked), and then lowers every unit's record the same decision raised.
    The reason and the supervisor's note may name the person: they are encrypted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="protection_lowerings")
    decision = models.UUIDField(help_text="The raise decision (Person.protection_decision) it lowers.")
    level = models.CharField(_("lower to"), max_length=32, choices=ProtectedIdentity.choices)
    reason = EncryptedTextField(_("why the protection is lowered"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProtectionLoweringStatus.choices,
        default=ProtectionLoweringStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = EncryptedTextField(_("why refused"))

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status=ProtectionLoweringStatus.PENDING),
                name="one_pending_protection_lowering",
            )
        ]


class PersonMergeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the supervisor's approval")
    APPROVED = "approved", _("Approved: the records were merged")
    REFUSED = "refused", _("Refused")


class PersonMerge(PersonalRecord):
    """A real personal identity (or coordination) number has become known for a person the unit
    recorded without one: a handler of one of the person's cases asks, with the number and how it
    became known; the unit's supervisor approves (never the one who asked). Approved, the unit's
    record with that number (if it has one) takes in the reserve record: every row that pointed at
    either points at it, re-encrypted under its key, and the reserve record's key is destroyed; with
    no such record, the reserve record itself takes the number (services.person_merge_decide).

    ``person`` is the reserve record until the merge, and the record that survived it after (the row
    moves with everything else); ``absorbed`` names the reserve record a merge took in. The number,
    the reason and the note name the person: they are encrypted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="person_merges")
    number = EncryptedTextField(_("personal identity number"))
    reason = EncryptedTextField(_("how the number became known"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PersonMergeStatus.choices, default=PersonMergeStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = EncryptedTextField(_("why refused"))
    absorbed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    # A merge of two existing records of the unit (the same person entered twice, cases/duplicates.py):
    # the other record, as asked (``number`` is then empty). Which of the two survives is decided at
    # the approval (services.duplicate_survivor); ``absorbed`` then names the other one.
    other = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status=PersonMergeStatus.PENDING),
                name="one_pending_person_merge",
            )
        ]


class PersonDistinction(models.Model):
    """A handler's record that two records of the unit flagged as possibly the same person
    (cases/duplicates.py) are not the same person, so that the pair is not flagged again. Two
    references and who said so, when: no personal data of its own. Symmetric (either order counts).
    A later merge of the two is still possible (the supervisor decides); the mark stays as history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["person", "other"], name="person_distinction_pair")]

    def __str__(self) -> str:
        return f"distinction {self.pk}"

    def access_subject_id(self):
        return self.person_id


# The sub-domains' models, imported here because Django registers an app's models from its models
# module: they keep the app label ``cases`` (their tables and migrations are those they always had),
# and they are named from here like every model of the app (``from cases.models import Handover``:
# other apps, the tests), wherever they are defined. Imported in the order they were defined in
# before, which is the order Django registers them in.
from cases.handovers.models import (  # noqa: E402, F401
    HANDOVER_PURPOSES,
    Handover,
    HandoverQuerySet,
    HandoverRequest,
    HandoverRequestStatus,
    HandoverSource,
    HandoverStatus,
    purposes_between,
)

# isort: split
from cases.first_contacts.models import (  # noqa: E402, F401
    ConcernReport,
    ConcernStatus,
    ContactOutcome,
    FirstContact,
    FirstContactMeeting,
    Referrer,
)
