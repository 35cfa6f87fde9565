"""An invalid post, to every address that takes a post: decided before any of its messages is shown,
and nothing changed.

For each POST URL of the authorisation matrix (tests/test_url_matrix.py: its ``post`` rows, and every
page whose view reads a posted form), in the matrix's world:
  * someone who may not do what the form does posts an invalid form: a denial is in the access log
    (a stranger learns nothing from a validation message);
  * someone who may posts it: the decision is in the access log (the act, decided with the purpose
    ``lotsa.posting.INVALID_FORM``; or, for a page decided on entry, that decision);
  * neither changes anything: every table but the access log and the sessions is as it was.

A post with nothing to fill in (a button) cannot be invalid: it is listed in ``NOTHING_TO_FILL_IN``
with why, and its decision and denial are the matrix's.
"""

from __future__ import annotations

import inspect

import pytest
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AccessOutcome
from lotsa.posting import INVALID_FORM
from tests.helpers import events_since, head_seq, login_verified
from tests.test_url_matrix import LOGGED_IN, MATRIX, WITHOUT_ACCESS

# Posts with nothing a user fills in: any post is the act, which its service decides first.
NOTHING_TO_FILL_IN = {
    "set_language": "the interface language: decides nothing about anyone's data",
    "accounts:logout": "ends the user's own session",
    "accounts:user_unlock": "a button: lifts a lockout (the administrator's role decided on entry)",
    "accounts:user_reset_credentials": "a button: its service decides and refuses",
    "accounts:identity_link_remove": "a button: its service decides and refuses",
    "cases:handover_accept": "a button: accepts the hand-over the address names",
    "cases:not_same_person": "a button: marks the two records the address names as not the same person",
    "cases:handover_withdraw": "a button: withdraws the hand-over the address names",
    "sig:form": "a button: forms the group of the case the address names",
    "sig:activate": "a button: activates the group the address names",
    "sig:undertaking": "a button: accepts the group's confidentiality undertaking",
    "sig:member_remove": "a button: removes the membership the address names",
    "defectors:witness": "a button: confirms the person is not a protected witness",
    "defectors:go_on": "a button: the programme goes on after a lowered threat",
    "supervision:analysis_approve": "a button: approves the analysis the address names",
    "supervision:break_glass_review": "a button: marks the break-glass login the address names reviewed",
    "retention:draw": "a button: draws the unit's list of this month (its service decides first)",
    "retention:approve": "a button: approves the destruction list the address names",
    "accounts:passkey_remove": "a button: removes the passkey the address names (OwnPasskeyPolicy decides)",
    # The passkey ceremonies: the browser posts the authenticator's answer, nobody fills anything in.
    # Every refusal (a malformed or wrong answer among them) is a denial event and changes nothing
    # (accounts/tests/test_passkeys.py).
    "accounts:passkey_add_begin": "asks for the options to add a passkey (a fresh verified login only)",
    "accounts:passkey_add_complete": "the authenticator's answer that adds a passkey, checked by py_webauthn",
    "accounts:passkey_login_begin": "asks for the options of a login's passkey step",
    "accounts:passkey_login_complete": "the authenticator's answer to a login's passkey step",
}

# The login steps are not about anyone's data: a wrong password or code is a failed login, recorded
# as such (tests/test_login.py); there is no one who "may not" post them.
LOGIN_STEPS = {
    "accounts:login",
    "accounts:second_factor",
    "accounts:enrol",
    "accounts:activate",
    "accounts:oidc_login",
    "accounts:saml_login",
    "accounts:saml_acs",
}

# Pages decided on entry (by role, or emergency access's first step) for every method: that decision
# is the invalid post's decision too (nothing else is asked before the form is shown again).
DECIDED_ON_ENTRY = {
    "cases:search",
    "cases:open",
    "cases:handover_request_new",
    "cases:first_contact_open",
    "consent:emergency",
    "defectors:bops_person",
    "accounts:user_create",
    "accounts:user_edit",
    "accounts:organisation_create",
    "accounts:organisation_edit",
}

# An invalid form, where posting nothing would not be one (every field optional), and who posts it
# where the matrix's first allowed or denied role is not the one (a page shown to readers of the
# case, but posted by its handler).
INVALID = {
    "defectors:follow_up": {"data": {"in_work_or_education": "perhaps"}},
    "supervision:subject_access_new": {"data": {"reason": "x" * 400}, "may_not": "supervisor"},
    "cases:close": {"may_not": "supervisor"},
    "cases:protection_lower": {"may_not": "supervisor"},
    "cases:merge": {"may_not": "supervisor"},  # the handler asks, the supervisor approves
    "cases:duplicate_merge": {"may_not": "supervisor"},  # the handler asks, the supervisor approves
    "cases:merge_decide": {"may": "supervisor", "may_not": "social_worker"},  # never the one who asked
    "cases:reassign": {"may": "supervisor", "may_not": "social_worker"},  # the supervisor assigns
    "cases:handover_send": {"may_not": "supervisor"},
    "consent:record": {"may_not": "supervisor"},
    "consent:disclose": {"may_not": "supervisor"},
    "consent:supersede": {"may_not": "supervisor"},
    "cases:journal_correct": {"may_not": "supervisor"},
    "cases:journal_edit": {"may_not": "supervisor"},
    "cases:journal_delete": {"may_not": "supervisor"},
    "defectors:bops_person": {"may": "bops_under_consent", "may_not": "external_member"},
    "defectors:decision_review": {"may": "supervisor_of_the_programme", "may_not": "programme_worker"},
    "cases:request_assignment": {"may": "social_worker_unassigned", "may_not": "coordinator"},
    "coordination:report_new": {"may": "social_worker", "may_not": "administrator"},
}

# A person's own settings: everyone may post them, so there is no one who "may not"; the allowed half
# is checked (decided as an invalid form, nothing changed).
OWN_SETTINGS = {
    "notifications:settings": "how often the person is told that something waits (their own choice)",
}

# Not data a post may change: the access log (its decisions are what is checked), sessions, login
# throttling, and the bookkeeping of the test client's own login.
UNCHANGED_EXCEPT = ("audit_", "django_session", "axes_")


def _url_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.callback


def _reads_a_post(view) -> bool:
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return False
    return "request.POST" in source


POST_URLS = sorted(
    name
    for name, view in _url_names()
    if name in MATRIX and (MATRIX[name][0] == "post" or _reads_a_post(view))
)
CHECKED = [name for name in POST_URLS if name not in NOTHING_TO_FILL_IN and name not in LOGIN_STEPS]


def test_every_post_url_is_checked_or_says_why_not():
    """A new address that takes a post is checked here, or listed with its reason."""
    assert set(POST_URLS) == set(CHECKED) | (set(NOTHING_TO_FILL_IN) & set(POST_URLS)) | (
        LOGIN_STEPS & set(POST_URLS)
    )
    assert not set(NOTHING_TO_FILL_IN) - set(POST_URLS), "listed, but no longer a POST URL"
    assert not (set(CHECKED) & WITHOUT_ACCESS)
    assert len(CHECKED) >= 40


def _snapshot() -> dict:
    """Every row of every table a post could change, as stored (ciphertexts, not decrypted)."""
    tables = sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)})
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table.startswith(UNCHANGED_EXCEPT):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows[table] = sorted(repr(row) for row in cursor.fetchall())
    return rows


def _changed(before: dict, after: dict) -> list[str]:
    return [table for table in before if before[table] != after.get(table)]


def _first(expected: dict, allowed: bool) -> str:
    for role in LOGGED_IN:
        if (expected[role] in (200, 302)) == allowed and (allowed or expected[role] == 403):
            return role
    raise AssertionError(f"no role {'may' if allowed else 'may not'} post here: {expected}")


def _user(world, role):
    """A role of the matrix's world, or one it has no user for: the supervisor of the defector
    programme (who reviews its decisions), BOPS under a consent of the programme's person."""
    import datetime as dt

    from accounts.models import OrganisationKind, Role
    from consent import services as consent_services
    from tests.factories import OrganisationFactory, UserFactory
    from tests.test_url_matrix import programme_case

    if role == "supervisor_of_the_programme":
        return UserFactory(username="sup_avh", organisation=world.programme, roles=[Role.SUPERVISOR])
    if role == "bops_under_consent":
        bops = OrganisationFactory(name="Polisen BOPS", kind=OrganisationKind.BOPS)
        case = programme_case(world)
        consent_services.consent_record(
            by=world.users["programme_worker"],
            case_id=case.pk,
            terms=consent_services.ConsentTerms(
                purpose="defector_programme",
                purpose_text="",
                recipient_ids=[bops.pk],
                categories=["threat_protection"],
                valid_from=dt.date.today(),
                valid_until=dt.date.today() + dt.timedelta(days=180),
                given_how="oral",
                witness="V",
            ),
        )
        return UserFactory(username="bops", organisation=bops, roles=[Role.EXTERNAL_MEMBER])
    return world.users[role]


@pytest.mark.parametrize("name", CHECKED)
def test_an_invalid_post_is_decided_and_changes_nothing(client, world, name):
    _method, build, expected, *_valid = MATRIX[name]
    spec = INVALID.get(name, {})
    url = reverse(name, kwargs=build(world) if build else None)
    data = spec.get("data", {})
    halves = [
        (spec.get("may_not") or _first(expected, False), False) if name not in OWN_SETTINGS else None,
        (spec.get("may") or _first(expected, True), True),
    ]
    for role, allowed in filter(None, halves):  # the user is made before the snapshot: only the post counts
        user = _user(world, role)
        login_verified(client, user)
        before, start = _snapshot(), head_seq()
        response = client.post(url, data)
        decided = events_since(start).filter(actor_id=user.pk)
        if allowed:
            assert response.status_code in (200, 302, 400), (name, role, response.status_code)
            assert decided.filter(outcome=AccessOutcome.ALLOWED).exists(), (
                name,
                role,
                "no decision recorded",
            )
            if name not in DECIDED_ON_ENTRY:
                assert decided.filter(outcome=AccessOutcome.ALLOWED, purpose=INVALID_FORM).exists(), (
                    name,
                    role,
                    [(e.action, e.target_type, e.purpose) for e in decided],
                )
        else:
            assert response.status_code == 403, (name, role, response.status_code)
            assert decided.filter(outcome=AccessOutcome.DENIED).exists(), (name, role, "no denial recorded")
        assert not _changed(before, _snapshot()), (name, role, _changed(before, _snapshot()))


def test_a_form_page_shows_each_error_at_its_field_and_a_summary_linking_to_it(client, world):
    """The GOV.UK pattern, from the one include every form page uses: a summary at the top of the
    form (role alert, a heading, a link to each field with an error) and each error at its field, the
    field's input naming it in aria-describedby."""
    import re

    login_verified(client, world.users["social_worker"])
    response = client.post(reverse("cases:open"), {"personal_number": "inte ett nummer"})
    body = response.content.decode()
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', body, re.S)
    assert summary and "<h2" in summary.group(1)
    linked = re.findall(r'href="#(id_[a-z_]+)"', summary.group(1))
    assert {"id_personal_number", "id_given_names", "id_surname"} <= set(linked)
    for field_id in linked:
        described = re.search(rf'<[^>]*id="{field_id}"[^>]*>', body).group(0)
        assert re.search(rf'aria-describedby="[^"]*\b{field_id}_error\b', described), described
        assert f'id="{field_id}_error"' in body
    assert summary.start() < body.index('id="id_personal_number"')  # at the top of the form


def test_a_post_from_another_page_names_the_field_of_each_error(client, world):
    """A post answered with a redirect (the journal's form on the case page): each field error comes
    back as a message that names its field (lotsa.posting.field_messages)."""
    from cases.forms import JournalEntryForm

    login_verified(client, world.users["social_worker"])
    response = client.post(reverse("cases:journal_add", kwargs={"case_id": world.case_a.pk}), {}, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    labels = {str(field.label) for field in JournalEntryForm().fields.values()}
    assert shown and all(any(message.startswith(f"{label}: ") for label in labels) for message in shown)
