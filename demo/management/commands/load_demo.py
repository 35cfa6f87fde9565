"""Demo data: organisations, one user per role, a few cases. Idempotent. Demo mode only.

The data is made by the scenes in ``demo/scenes/``, one per app, in the order below: each finds what
the ones before it made.
"""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from cases import personal_number
from demo import scenes
from demo.scenes.accounts import DEMO_PASSWORD, USERS
from demo.scenes.cases import PEOPLE, with_check_digit

# After the organisations and users, in this order.
SCENES = (
    scenes.cases.load,
    scenes.consent.load,
    scenes.sig.load,
    scenes.ages.load,
    scenes.defectors.load,
    scenes.threat.load,
    scenes.protection.load,
    scenes.reserve.load,
    scenes.first_contacts.load,
    scenes.relatives.load,
    scenes.handovers.load,
    scenes.supervision.load,
    scenes.coordination.load,
)


class Command(BaseCommand):
    help = "Load demo organisations, users (one per role) and cases. Only with LOTSA_DEMO=1."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("load_demo runs only in demo mode (LOTSA_DEMO=1): it prints passwords.")
        with transaction.atomic():
            organisations = scenes.accounts.organisations()
            users = scenes.accounts.users(organisations=organisations)
            for scene in SCENES:
                scene(organisations=organisations, users=users)
        self._print(users)

    def _print(self, users) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo users (every one logs in with password and a TOTP code):"))
        self.stdout.write(f"  password for all: {DEMO_PASSWORD}")
        for username, *_rest, roles in USERS:
            device = TOTPDevice.objects.filter(user=users[username], confirmed=True).first()
            secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
            role_names = ", ".join(str(Role(r).label) for r in roles)
            self.stdout.write(f"  {username:<22} {role_names:<26} TOTP secret {secret}")
        self.stdout.write("")
        first = PEOPLE[0]
        self.stdout.write(
            f"Try: log in as {first[4]}, choose 'Hitta en person' and search for "
            f"{personal_number.formatted(with_check_digit(first[2]))} ({first[0]} {first[1]}, fictitious)."
        )
        self.stdout.write("Add a secret to any authenticator app, or print the current code with")
        self.stdout.write("  LOTSA_DEMO=1 .venv/bin/python manage.py demo_code <username>")
