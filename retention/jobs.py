"""Retention's scheduled work (django-q2; scheduled in notifications.jobs.ensure_schedules): each month
the lists are drawn, and approved lists are carried out. Both idempotent; neither takes an argument."""

from __future__ import annotations

from accounts.models import Organisation
from lotsa.access import AccessDenied
from lotsa.errors import DomainError
from retention import services
from retention.models import DestructionList, ListStatus


def draw_lists() -> int:
    """Draw this month's list of every unit that keeps people (one per unit and month). Returns how
    many lists were drawn or found."""
    drawn = 0
    for organisation_id in (
        Organisation.objects.filter(people__isnull=False).distinct().values_list("pk", flat=True)
    ):
        if services.destruction_list_draw(organisation_id=organisation_id) is not None:
            drawn += 1
    return drawn


class ArchiveRefused(Exception):
    """Approved lists whose kept records could not go to the archive: the job fails (and is shown on the
    administrator's page as a failed run) after carrying out everything else; the records wait."""


def carry_out_lists() -> int:
    """Erase the records of every approved list and certify it: first what is simply due, then what the
    rules keep, once it has gone to the archive. Returns how many lists were carried out."""
    done, refused = 0, []
    for list_id in DestructionList.objects.filter(status=ListStatus.APPROVED).values_list("pk", flat=True):
        drawn = services.destruction_list_carry_out(list_id=list_id)
        if drawn.status != ListStatus.CARRIED_OUT:
            try:
                if services.destruction_list_to_archive(list_id=list_id):
                    drawn = services.destruction_list_carry_out(list_id=list_id)
            except (DomainError, AccessDenied) as error:
                refused.append(f"list {list_id}: {error}")
        if drawn.status == ListStatus.CARRIED_OUT:
            done += 1
    if refused:
        raise ArchiveRefused("; ".join(refused))
    return done
