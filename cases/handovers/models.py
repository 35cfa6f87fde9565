"""Hand-overs between units. The models belong to the cases app (label ``cases``): cases/models.py
imports them, where Django looks for the app's models. They name the case core's models by label
("cases.Case"), so that the core's models module can import this one without a cycle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind
from cases.handovers.words import HandoverSource
from cases.records import PersonalRecord
from cases.words import Activity, CaseStatus, TargetGroup
from lotsa.crypto import EncryptedTextField
from lotsa.querysets import GuardedQuerySet
from lotsa.vocabulary import Purpose


class HandoverStatus(models.TextChoices):
    SENT = "sent", _("Sent, waiting for a decision")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn by the sender")


# The receiving case does what the sending case did: the same support, in another place.
CARRIED = "carried"


@dataclass(frozen=True)
class Route:
    """What one purpose of hand-over is for: the kinds of unit that send and receive under it (None:
    any social-services unit), the activity of the case the receiving unit opens on accepting, and
    whether the sending case's handler is then asked to propose closing it (the person has moved on)
    or the receiving unit works beside the sending case."""

    activity: str
    senders: frozenset | None = None
    receivers: frozenset | None = None
    sender_closes: bool = True


DISTRICTS = frozenset({OrganisationKind.DISTRICT_ADMINISTRATION})
ROUTES = {
    # The VBE team to the district after a first contact: the district builds up support with the
    # person (and may later form an intervention group around them).
    Purpose.HANDOVER: Route(activity=Activity.DISTRICT_SUPPORT),
    # A district, the VBE team or an intervention group to the city's defector programme, which works
    # beside the sending case (the district's intervention group goes on): the sender closes it by
    # the ordinary closing when its own work ends, and is not asked on accepting.
    Purpose.DEFECTOR_PROGRAMME: Route(activity=Activity.DEFECTOR_PROGRAMME, sender_closes=False),
    # A relative (or a person harmed) to the treatment unit or another unit that supports them.
    Purpose.RELATIVE_SUPPORT: Route(activity=Activity.RELATIVE_SUPPORT),
    # The person moves: the new district goes on with the same support.
    Purpose.DISTRICT_MOVE: Route(activity=CARRIED, senders=DISTRICTS, receivers=DISTRICTS),
    # The programme or the treatment unit is done: the district follows the person up.
    Purpose.BACK_TO_DISTRICT: Route(
        activity=Activity.DISTRICT_FOLLOW_UP,
        senders=frozenset({OrganisationKind.DEFECTOR_PROGRAMME, OrganisationKind.TREATMENT_UNIT}),
        receivers=DISTRICTS,
    ),
}
# The purposes a hand-over is sent for; a consent of the person for it must name the receiving unit.
HANDOVER_PURPOSES = tuple(ROUTES)


def purposes_between(sender_kind: str, receiver_kind: str) -> tuple[str, ...]:
    """The purposes a unit of ``sender_kind`` may send a unit of ``receiver_kind`` a hand-over for."""
    return tuple(
        purpose
        for purpose, route in ROUTES.items()
        if (route.senders is None or sender_kind in route.senders)
        and (route.receivers is None or receiver_kind in route.receivers)
    )


def purposes_sent_by(kind: str) -> tuple[str, ...]:
    """The purposes a unit of this kind sends hand-overs for (the form offers these)."""
    return tuple(p for p, route in ROUTES.items() if route.senders is None or kind in route.senders)


def receiving_activity(purpose: str, sent_activity: str | None) -> str:
    """The activity of the case the receiving unit opens (a purpose no longer sent: other)."""
    route = ROUTES.get(purpose)
    if route is None:
        return Activity.OTHER
    if route.activity == CARRIED:
        return sent_activity or Activity.OTHER
    return route.activity


def _default_decide_within() -> dt.timedelta:
    return dt.timedelta(days=settings.LOTSA_HANDOVER_OVERDUE_DAYS)


def decide_within(purpose: str) -> dt.timedelta:
    """How long a hand-over for ``purpose`` may wait for the receiving unit's decision ("to be decided
    quickly"): LOTSA_HANDOVER_DECIDE_WITHIN's time for it, else LOTSA_HANDOVER_OVERDUE_DAYS."""
    return settings.LOTSA_HANDOVER_DECIDE_WITHIN.get(purpose) or _default_decide_within()


class HandoverQuerySet(GuardedQuerySet):
    def undecided(self):
        return self.filter(status=HandoverStatus.SENT)

    def overdue(self, at: dt.datetime | None = None):
        """Undecided for longer than its purpose's time to decide (``decide_within``)."""
        at = at or timezone.now()
        named = settings.LOTSA_HANDOVER_DECIDE_WITHIN
        late = Q(sent_at__lt=at - _default_decide_within()) & ~Q(purpose__in=list(named))
        for handover_purpose, within in named.items():
            late |= Q(purpose=handover_purpose, sent_at__lt=at - within)
        return self.undecided().filter(late)

    def closing_to_propose(self):
        """Accepted hand-overs whose sending case is still open and has had no proposal to close it
        since: its handler is asked to propose closing (cases.services.case_close, which the unit's
        supervisor decides). A proposal refused after the acceptance ends the asking, and so does the
        handler's keeping the case open with a reason (``handover_keep_case_open``)."""
        changes = apps.get_model("cases", "CaseStatusChange")  # the core's model: named, not imported
        proposed_since = changes.objects.filter(
            case_id=models.OuterRef("from_case_id"),
            status=CaseStatus.CLOSING,
            changed_at__gte=models.OuterRef("decided_at"),
        )
        return self.filter(
            purpose__in=[purpose for purpose, route in ROUTES.items() if route.sender_closes],
            status=HandoverStatus.ACCEPTED,
            source__in=[HandoverSource.CASE, HandoverSource.INTERVENTION_GROUP],
            from_case__status__in=[CaseStatus.OPENED, CaseStatus.ACTIVE],
            kept_open_at__isnull=True,
        ).exclude(models.Exists(proposed_since))


class Handover(PersonalRecord):
    """A hand-over (or referral) of a person from one unit to another: the VBE team to a district, a
    district to the treatment unit, an intervention group to the defector programme, the programme to a
    district at closure, or a request from the police to the programme.

    It is sent under a consent for its purpose that names the receiving unit (a police request: the
    police state the person agreed to be contacted, and the programme records the consent itself),
    then accepted — the receiving unit opens its own case of the person, carrying over only what that
    consent covers — or declined with a reason the sender sees, or withdrawn by the sender. ``person``
    is the sender's record of the person (for a police request, the receiving unit's own)."""

    source = models.CharField(_("from"), max_length=32, choices=HandoverSource.choices)
    from_case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="handovers_sent", null=True, blank=True
    )
    from_unit = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("sent by unit"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("receiving unit"),
        on_delete=models.PROTECT,
        related_name="handovers_received",
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    # Whom the sending case is for (a relative stays a relative): the receiving case is for the same.
    target_group = models.CharField(
        _("target group"), max_length=32, choices=TargetGroup.choices, default=TargetGroup.PERSON_CONCERNED
    )
    # The consent it was sent under (consent.Consent's id; a police request has none).
    consent_ref = models.UUIDField(null=True, blank=True)
    note = EncryptedTextField(_("note to the receiving unit"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=HandoverStatus.choices, default=HandoverStatus.SENT
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = EncryptedTextField(_("reason for declining"))
    accepted_case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="handovers_accepted", null=True, blank=True
    )
    # After acceptance the sending case's handler is asked to propose closing it; they may instead keep
    # it open, with a reason (the person goes on being supported beside the receiving unit).
    kept_open_at = models.DateTimeField(_("kept open"), null=True, blank=True)
    kept_open_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    kept_open_reason = EncryptedTextField(_("why the case stays open"))

    objects = HandoverQuerySet.as_manager()

    # Sent, then accepted, declined or withdrawn (lotsa.news: new since the user's last visit).
    NEWS_EVENTS = (("sent_at", "sent_by"), ("decided_at", "decided_by"))

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        indexes = [
            models.Index(fields=["to_unit", "status", "sent_at"], name="handover_inbox"),
            models.Index(fields=["from_unit", "-sent_at"], name="handover_outbox"),
        ]

    @property
    def is_open(self) -> bool:
        return self.status == HandoverStatus.SENT

    @property
    def decide_by(self) -> dt.datetime:
        """When its purpose's time to decide runs out."""
        return self.sent_at + decide_within(self.purpose)

    @property
    def overdue(self) -> bool:
        return self.is_open and timezone.now() > self.decide_by

    @property
    def waiting_days(self) -> int:
        """Days from sending to the decision (or to now, while undecided)."""
        return ((self.decided_at or timezone.now()) - self.sent_at).days


class HandoverRequestStatus(models.TextChoices):
    """Where a request for a hand-over stands. Whether it has lapsed (the consent that let it be sent no
    longer holds) is not stored: it is decided anew whenever the request is read or answered
    (cases.access.pointer_decision), so a withdrawal takes effect on the next request."""

    WAITING = "waiting", _("Waiting for the holding unit")
    ANSWERED = "answered", _("Answered with a hand-over")
    DECLINED = "declined", _("Declined")


class HandoverRequest(PersonalRecord):
    """A unit's request to another unit for a hand-over of a person, sent after the cross-unit pointer
    told it that the other unit holds a record of the person (a consent of the person names the asking
    unit for a hand-over purpose). ``person`` is the holding unit's record, so every step is an event
    naming it, in the holding unit's log. The holding unit answers by sending a hand-over through the
    ordinary mechanism (``handover``), or declines with a reason the asker sees. Both the request and
    its answer are allowed only while the same consent gate holds; otherwise the request has lapsed and
    is shown without its content."""

    from_unit = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("asking unit"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("holding unit"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    reason = EncryptedTextField(_("why the hand-over is asked for"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=HandoverRequestStatus.choices,
        default=HandoverRequestStatus.WAITING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decline_reason = EncryptedTextField(_("reason for declining"))
    handover = models.OneToOneField(
        Handover, on_delete=models.PROTECT, related_name="answering_request", null=True, blank=True
    )

    # Asked, then answered or declined (lotsa.news: new since the user's last visit).
    NEWS_EVENTS = (("asked_at", "asked_by"), ("decided_at", "decided_by"))

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = _("request for a hand-over")
        verbose_name_plural = _("requests for a hand-over")
        indexes = [
            models.Index(fields=["to_unit", "status", "asked_at"], name="handover_request_inbox"),
            models.Index(fields=["from_unit", "-asked_at"], name="handover_request_outbox"),
        ]

    @property
    def is_open(self) -> bool:
        return self.status == HandoverRequestStatus.WAITING
