"""The smaller leaks found from the outside: writes after a withdrawal, ids out of range, races."""

from __future__ import annotations

import ast
import datetime as dt
import pathlib
import re
import uuid

import pytest
from django.urls import reverse

from audit.models import AccessOutcome
from cases import services as case_services
from consent import services as consent_services
from consent.models import Consent, Disclosure
from sig.models import SharedEntry, ThreatAssessment
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def test_after_withdrawal_a_member_can_no_longer_write_to_the_group(client, world):
    """Reads were refused after the withdrawal; writes must be too, with a denial event."""
    police = world.users["external_member"]
    login_verified(client, police)
    entry_url = reverse("sig:entry_add", kwargs={"group_id": world.group.pk})
    assess_url = reverse("sig:assess", kwargs={"group_id": world.group.pk})
    assert client.post(entry_url, {"entry-category": "work_income", "entry-text": "Före"}).status_code == 302
    assert SharedEntry.objects.filter(author=police).count() == 1
    consent_services.consent_withdraw(
        by=world.users["social_worker"],
        consent_id=world.consent.pk,
        case_id=world.case_a.pk,
        how="oral",
        note="",
    )
    # The world's disclosure to the police under a legal ground would still cover them: it ends too.
    Disclosure.objects.bypassing_guard("test: the disclosure ends").filter(person=world.case_a.person).update(
        access_until="2000-01-01"
    )
    assert client.get(reverse("sig:detail", kwargs={"group_id": world.group.pk})).status_code == 403
    start = head_seq()
    response = client.post(entry_url, {"entry-category": "work_income", "entry-text": "Efter"})
    assert response.status_code == 403
    response = client.post(assess_url, {"threat-level": "high", "threat-notes": "Efter"})
    assert response.status_code == 403
    assert events_since(start).filter(outcome=AccessOutcome.DENIED).count() == 2
    assert SharedEntry.objects.filter(author=police).count() == 1
    assert not ThreatAssessment.objects.filter(author=police).exists()


def _own_modules(root, name) -> list[pathlib.Path]:
    """The project's modules of this name: an app's, and its sub-domain packages' (cases/handovers/)."""
    paths = [*root.glob(f"*/{name}"), *root.glob(f"*/*/{name}")]
    return sorted(path for path in paths if ".venv" not in path.parts and "build" not in path.parts)


def test_every_form_uses_the_id_fields_that_check_range_first():
    """One field class, project-wide: no form uses Django's model choice fields directly."""
    root = pathlib.Path(__file__).resolve().parent.parent
    offenders = []
    for path in _own_modules(root, "forms.py"):
        if path.parent.name == "lotsa":
            continue
        if re.search(r"\bforms\.Model(Multiple)?ChoiceField\(", path.read_text()):
            offenders.append(str(path.relative_to(root)))
    assert not offenders
    assert not _ids_from_the_address_handed_to_a_service_unlooked_up(root)


# Services that look the id up themselves and refuse an unknown one with a message (a DomainError).
SERVICES_THAT_LOOK_UP_THEIR_ID = {
    "situation_picture_write",
    "member_remove",
    "log_review_item_mark",
    "analysis_approve",
}


def _called(func) -> tuple[str, str]:
    if isinstance(func, ast.Attribute):
        return (func.value.id if isinstance(func.value, ast.Name) else ""), func.attr
    return "", func.id if isinstance(func, ast.Name) else ""


# What looks an id up before a service sees it; cases.queries' finders answer an id that names nothing
# with a 404, as get_object_or_404 does.
LOOKUPS = {"get_object_or_404", "_fetch", "post_form", "case_found", "person_found"}


def _ids_from_the_address_handed_to_a_service_unlooked_up(root) -> list[str]:
    """The bypass of the id fields: a view hands an id from the address straight to a service, which
    ``.get()``s it (a DoesNotExist, a 500, for an id that names nothing). A view looks its ids up
    first (``get_object_or_404``, a selector), or posts through ``lotsa.posting.post_form``, which
    looks up its object before anything else."""
    offenders = []
    for path in _own_modules(root, "views.py"):
        tree = ast.parse(path.read_text())
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        posting = {
            name
            for name, function in functions.items()
            if any(isinstance(c, ast.Call) and _called(c.func)[1] == "post_form" for c in ast.walk(function))
        }
        for name, function in functions.items():
            ids = {argument.arg for argument in function.args.args if argument.arg.endswith("_id")}
            looked_up, handed = set(), {}
            for call in (node for node in ast.walk(function) if isinstance(node, ast.Call)):
                values = [*call.args, *(keyword.value for keyword in call.keywords)]
                passed = {v.id for v in values if isinstance(v, ast.Name) and v.id in ids}
                module, called = _called(call.func)
                if called in LOOKUPS | posting or module.endswith("selectors") or called.endswith("_for"):
                    looked_up |= passed
                elif module == "services" or module.endswith("_services"):
                    if called not in SERVICES_THAT_LOOK_UP_THEIR_ID:
                        handed.update(dict.fromkeys(passed, called))
            offenders += [
                f"{path.parent.name}.{name}: {i} -> {s}" for i, s in handed.items() if i not in looked_up
            ]
    return offenders


def test_a_post_looks_up_its_object_before_the_form_or_the_service(rf):
    """lotsa.posting: an id in the address that names nothing is a 404, even with a valid form; the
    service never sees it."""
    from django import forms
    from django.http import Http404

    from lotsa.posting import post_form

    class Valid(forms.Form):
        pass

    def nothing():
        raise Http404

    changes = []
    request = rf.post("/")
    with pytest.raises(Http404):
        post_form(
            request, Valid({}), change=changes.append, done="", back="/", decide_on=nothing, action="update"
        )
    assert changes == []


@pytest.mark.parametrize("helper", ["post_form", "form_page"])
def test_a_refusal_before_any_decision_is_decided_as_the_act_before_its_message(rf, world, helper):
    """A service that refuses before it decides (a DomainError raised first) must not hand its message
    to someone who may not act: the posting helpers decide the act then, record it, and a stranger gets
    the recorded denial instead of the message."""
    from django import forms

    from audit.models import AccessEvent
    from lotsa.access import AccessDenied, ensure_recorded
    from lotsa.errors import DomainError
    from lotsa.posting import form_page, post_form

    class Valid(forms.Form):
        pass

    def refuse_first(_data):
        raise DomainError("Personen har redan ett öppet ärende hos er")

    stranger, case = world.users["social_worker_other_district"], world.case_a
    request = rf.post("/")
    request.user = stranger
    before = AccessEvent.objects.count()
    with pytest.raises(AccessDenied) as denied:
        if helper == "post_form":
            post_form(
                request,
                Valid({}),
                change=refuse_first,
                done="",
                back="/",
                decide_on=lambda: case,
                action="update",
            )
        else:
            form_page(
                request, Valid({}), template="base.html", act=("update", case), change=refuse_first, then="/"
            )
    ensure_recorded(denied.value, actor=stranger)  # as the 403 middleware does for every denial
    denial = AccessEvent.objects.order_by("-pk")[0]
    assert AccessEvent.objects.count() == before + 1
    assert (
        denial.outcome == "denied" and denial.subject_id == case.person_id and denial.actor_id == stranger.pk
    )


def test_an_unknown_case_in_the_address_of_a_valid_post_is_not_found_not_a_server_error(client, world):
    """The relation, the support conversation and the first-contact meeting: a valid form posted to a
    case id that names nothing gets the "not found" page, in Swedish, and changes nothing."""
    from cases.models import FirstContactMeeting
    from relatives.models import Relation, SupportConversation

    client.raise_request_exception = False
    unknown = uuid.uuid4()
    today = dt.date.today().isoformat()
    posts = [
        (
            world.users["social_worker"],
            reverse("relatives:relation_add", kwargs={"case_id": unknown}),
            {"relation-kind": "parent", "relation-concerned_name": "Namn", "relation-concerned_number": ""},
        ),
        (
            world.users["social_worker"],
            reverse("relatives:conversation_add", kwargs={"case_id": unknown}),
            {"conversation-held_on": today, "conversation-form": "individual", "conversation-notes": "x"},
        ),
        (
            world.users["vbe_worker"],
            reverse("cases:first_contact_meeting", kwargs={"case_id": unknown}),
            {
                "meeting-held_on": today,
                "meeting-vbe_participants": "Omar",
                "meeting-police_participants": "Polis",
                "meeting-outcome": "accepted_help",
                "meeting-attempts": "1",
                "meeting-notes": "",
            },
        ),
    ]
    for user, url, data in posts:
        login_verified(client, user)
        response = client.post(url, data)
        assert response.status_code == 404, url
        assert "Sidan finns inte" in response.content.decode()
    assert not Relation.objects.exists()
    assert not SupportConversation.objects.exists()
    assert not FirstContactMeeting.objects.exists()


def test_out_of_range_ids_get_a_message_and_change_nothing(client, world):
    worker = world.users["social_worker"]
    login_verified(client, worker)
    consents_before = Consent.objects.count()
    for url in (
        reverse("consent:record", kwargs={"case_id": world.case_a.pk}),
        reverse("consent:supersede", kwargs={"case_id": world.case_a.pk, "consent_id": world.consent.pk}),
    ):
        response = client.post(
            url,
            {
                "purpose": "intervention_group",
                "recipients": [HUGE, "-1", "abc"],
                "categories": ["housing"],
                "valid_from": "2026-01-01",
                "valid_until": "2026-12-31",
                "given_how": "oral",
                "witness": "Vittne",
            },
        )
        assert response.status_code == 200
        assert "Välj ett giltigt alternativ" in response.content.decode()
    assert Consent.objects.count() == consents_before
    response = client.post(
        reverse("consent:disclose", kwargs={"case_id": world.case_a.pk}),
        {"recipient": HUGE, "ground": "own_task", "categories": ["housing"], "what": "x", "why": "y"},
    )
    assert response.status_code == 200 and "Välj ett giltigt alternativ" in response.content.decode()
    response = client.get(reverse("sig:member_add", kwargs={"group_id": world.group.pk}))
    response = client.post(
        reverse("sig:member_add", kwargs={"group_id": world.group.pk}),
        {"member-user": HUGE, "member-role": "other", "user": HUGE, "role": "other"},
    )
    assert response.status_code in (200, 302)
    login_verified(client, world.users["supervisor"])
    response = client.post(
        reverse("cases:reassign", kwargs={"case_id": world.case_a.pk}),
        {"version": world.case_a.version, "to_user": HUGE},
    )
    assert response.status_code == 200 and "Välj ett giltigt alternativ" in response.content.decode()
    login_verified(client, world.users["administrator"])
    assert client.get(reverse("accounts:user_edit", kwargs={"user_id": int(HUGE)})).status_code == 404
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "x.y",
            "first_name": "X",
            "last_name": "Y",
            "organisation": HUGE,
            "roles": ["coordinator"],
        },
    )
    assert response.status_code == 200 and "Välj ett giltigt alternativ" in response.content.decode()


def test_the_loser_of_a_close_race_is_told_the_case_changed_not_denied(client, world):
    """Two handlers close the same case from pages showing the same version: the second is told the
    case changed meanwhile, with no denial."""
    from guardian.shortcuts import assign_perm

    colleague = world.users["social_worker_unassigned"]
    assign_perm("cases.view_case", colleague, world.case_a)
    version = world.case_a.version
    case_services.case_close(
        by=world.users["social_worker"],
        case_id=world.case_a.pk,
        expected_version=version,
        reason="goals_met",
        text="",
    )
    login_verified(client, colleague)
    start = head_seq()
    response = client.post(
        reverse("cases:close", kwargs={"case_id": world.case_a.pk}),
        {"version": version, "reason": "goals_met", "text": ""},
    )
    assert response.status_code == 409
    assert not events_since(start).filter(outcome=AccessOutcome.DENIED).exists()
    assert "Någon annan ändrade ärendet" in response.content.decode()


def test_the_loser_of_a_close_against_reassign_race_is_told_the_case_changed(client, world):
    version = world.case_a.version
    case_services.case_close(
        by=world.users["social_worker"],
        case_id=world.case_a.pk,
        expected_version=version,
        reason="goals_met",
        text="",
    )
    login_verified(client, world.users["supervisor"])
    start = head_seq()
    response = client.post(
        reverse("cases:reassign", kwargs={"case_id": world.case_a.pk}),
        {"version": version, "to_user": world.users["social_worker_unassigned"].pk},
    )
    assert response.status_code == 409
    assert not events_since(start).filter(outcome=AccessOutcome.DENIED).exists()
    assert "Någon annan ändrade ärendet" in response.content.decode()


def test_a_handler_reassigned_meanwhile_is_told_the_case_changed_not_denied(client, world):
    """The supervisor reassigns the case just before its handler posts a closing proposal from the
    same version: the handler's post is judged on the case as their page showed it (theirs), so the
    one event is a conflict with the rule's reason, not a 'not assigned' denial; nothing changes."""
    from cases.words import CaseStatus

    handler = world.users["social_worker"]
    version = world.case_a.version
    case_services.case_reassign(
        by=world.users["supervisor"],
        case_id=world.case_a.pk,
        expected_version=version,
        to_user=world.users["social_worker_unassigned"],
    )
    login_verified(client, handler)
    start = head_seq()
    response = client.post(
        reverse("cases:close", kwargs={"case_id": world.case_a.pk}),
        {"version": version, "reason": "goals_met", "text": ""},
    )
    assert response.status_code == 409
    assert "Någon annan ändrade ärendet" in response.content.decode()
    events = list(events_since(start).filter(target_type="cases.case"))
    assert [(e.outcome, e.action) for e in events] == [(AccessOutcome.CONFLICT, "update")]
    assert "assigned to the case" in events[0].reason and "changed meanwhile" in events[0].reason
    world.case_a.refresh_from_db()
    assert world.case_a.status != CaseStatus.CLOSING


def test_a_stale_post_from_someone_the_rule_refused_then_too_is_still_denied(client, world):
    """Judging against the page's version gives nobody more than that page would have: a colleague
    never assigned to the case is denied, stale version or not."""
    version = world.case_a.version
    case_services.case_reassign(
        by=world.users["supervisor"],
        case_id=world.case_a.pk,
        expected_version=version,
        to_user=world.users["social_worker_unassigned"],
    )
    login_verified(client, world.users["social_worker_other_district"])
    start = head_seq()
    response = client.post(
        reverse("cases:close", kwargs={"case_id": world.case_a.pk}),
        {"version": version, "reason": "goals_met", "text": ""},
    )
    assert response.status_code == 403
    assert events_since(start).filter(outcome=AccessOutcome.DENIED).exists()
    assert not events_since(start).filter(outcome=AccessOutcome.CONFLICT).exists()


def test_the_second_supervisor_to_decide_on_closing_is_told_the_case_changed(client, world):
    """The same mechanism for every versioned post: two supervisors decide on one proposal."""
    from tests.factories import UserFactory

    worker = world.users["social_worker"]
    case = case_services.case_close(
        by=worker, case_id=world.case_a.pk, expected_version=world.case_a.version, reason="goals_met", text=""
    )
    case_services.case_close_decide(
        by=world.users["supervisor"], case_id=case.pk, expected_version=case.version, approve=True, note=""
    )
    second = UserFactory(username="sup_a2", organisation=world.district_a, roles=["supervisor"])
    login_verified(client, second)
    start = head_seq()
    response = client.post(
        reverse("cases:close_decide", kwargs={"case_id": case.pk}),
        {"version": case.version, "decision": "approve", "note": ""},
    )
    assert response.status_code == 409
    assert not events_since(start).filter(outcome=AccessOutcome.DENIED).exists()
    assert events_since(start).filter(outcome=AccessOutcome.CONFLICT).count() == 1
