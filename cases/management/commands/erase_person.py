"""Erase a person everywhere: every unit's record of the same personal identity number."""

from django.core.management.base import BaseCommand, CommandError

from cases import personal_number as pnr
from cases import services


class Command(BaseCommand):
    help = (
        "Erase a person in every unit that keeps a record of them (found by the personal identity "
        "number through the blind index): their data keys are destroyed, so nothing of them can ever "
        "be read again, and their cases leave every list and search. Irreversible."
    )

    def add_arguments(self, parser):
        parser.add_argument("personal_number", help="the personal identity number, in any usual form")
        parser.add_argument("--reason", required=True, help="why (retention rule, court order, ...)")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, personal_number, reason, yes, **options):
        try:
            people = services.people_with_number(number=personal_number)
        except pnr.InvalidPersonalNumber as error:
            raise CommandError(str(error.message)) from None
        people = [person for person in people if person.erased_at is None]
        if not people:
            self.stdout.write(
                "No unit keeps a record of this number (or it is erased already): nothing to do."
            )
            return
        self.stdout.write(f"{len(people)} unit(s) keep a record of this person:")
        for person in people:
            self.stdout.write(f"  {person.organisation.name}: {person.cases.count()} case(s)")
        if not yes:
            answer = input("Erase every one of them for good? Type 'erase': ")
            if answer.strip() != "erase":
                raise CommandError("nothing erased")
        for index, person in enumerate(people, start=1):
            services.person_erase(person_id=person.pk, reason=reason)
            self.stdout.write(f"[{index}/{len(people)}] {person.organisation.name}: erased")
        self.stdout.write(self.style.SUCCESS(f"erased in {len(people)} unit(s)"))
