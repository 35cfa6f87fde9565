"""Helpers for logging in test clients the way a real login does."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import SESSION_AUTH_AT, SESSION_LAST_SEEN
from audit.models import AccessEvent
from cases.models import Case
from cases.services import case_latest_activity_recount


def login_verified(client, user) -> TOTPDevice:
    """Log ``client`` in as ``user`` with a verified second factor (without going through the pages)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    now = timezone.now().timestamp()
    session[SESSION_AUTH_AT] = now
    session[SESSION_LAST_SEEN] = now
    session.save()
    return device


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    code = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + offset_steps,
    )
    return f"{code:0{device.digits}d}"


def events_since(event_id: int):
    return AccessEvent.objects.filter(id__gt=event_id).order_by("id")


def head_seq() -> int:
    """The newest event's id: events written after it have higher ids."""
    last = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def named_by(events) -> list:
    """Every person the events name, alone or among a list's people, in event order."""
    from audit.models import AccessEventSubject

    events = list(events)
    listed: dict = {}
    for event_id, subject_id in AccessEventSubject.objects.filter(event__in=events).values_list(
        "event_id", "subject_id"
    ):
        listed.setdefault(event_id, []).append(subject_id)
    named = []
    for event in events:
        if event.subject_id is not None:
            named.append(event.subject_id)
        named.extend(sorted(listed.get(event.pk, []), key=str))
    return named


def migrate_to_latest() -> None:
    """Bring the test database back to every app's latest migration (a test that migrates back and
    forth must leave it there, whatever migrations come after the ones it tests)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def case_opened_days_ago(case: Case, days: int) -> Case:
    """Write that ``case`` was opened ``days`` ago (``opened_at`` is set when a case is opened): for a
    test of what may be dated before today but not before the case was opened."""
    opened_at = timezone.now() - dt.timedelta(days=days)
    Case.objects.bypassing_guard("test: a case opened earlier").filter(pk=case.pk).update(opened_at=opened_at)
    case_latest_activity_recount(case_ids=[case.pk])  # as the demo's history does
    case.opened_at = opened_at
    return case


def logged_in_page(browser, live_server, user, *, width: int, height: int = 900):
    """A Chromium page at ``width`` px, in Swedish, logged in as ``user`` (verified, through the test
    client's session cookie), for the browser tests that walk one page at both widths."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    login_verified(client, user)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="sv-SE")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context.new_page()
