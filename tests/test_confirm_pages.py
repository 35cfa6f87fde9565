"""Irreversible acts ask first (issue 28, item 3): withdrawing a consent, signing a journal entry,
removing a group member, closing a group and resetting a login each have a confirmation page
(``lotsa.posting.confirm_page``). Its GET says what will happen and is recorded as a decision naming
the person; it changes nothing; its form posts to the act's own address, which does it. The page that
offers the act links to the confirmation instead of posting itself."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AccessOutcome
from cases.models import JournalEntry
from consent.models import Consent
from sig.models import GroupStatus, InterventionGroup, Membership
from tests.helpers import events_since, head_seq, login_verified, named_by


def _police_membership(world) -> Membership:
    return world.group.memberships.get(role="police_contact")


# name -> (who, build the address's kwargs, the page offering the act, the act's URL name,
#          what the confirmation posts, whether it is done, whose person the page names)
ACTS = {
    "cases:journal_sign_confirm": (
        "social_worker",
        lambda w: {"case_id": w.case_a.pk, "entry_id": w.draft_entry.pk},
        lambda w: reverse("cases:detail", kwargs={"case_id": w.case_a.pk}),
        "cases:journal_sign",
        {},
        lambda w: JournalEntry.objects.get(pk=w.draft_entry.pk).is_signed,
        True,
    ),
    "consent:withdraw_confirm": (
        "social_worker",
        lambda w: {"case_id": w.case_a.pk, "consent_id": w.consent.pk},
        lambda w: reverse("consent:detail", kwargs={"case_id": w.case_a.pk, "consent_id": w.consent.pk}),
        "consent:withdraw",
        {"how": "oral", "note": ""},
        lambda w: Consent.objects.get(pk=w.consent.pk).withdrawn_at is not None,
        True,
    ),
    "sig:member_remove_confirm": (
        "social_worker",
        lambda w: {"group_id": w.group.pk, "membership_id": _police_membership(w).pk},
        lambda w: reverse("sig:detail", kwargs={"group_id": w.group.pk}),
        "sig:member_remove",
        {},
        lambda w: Membership.objects.get(pk=_police_membership(w).pk).left_at is not None,
        True,
    ),
    "sig:close_confirm": (
        "social_worker",
        lambda w: {"group_id": w.group.pk},
        lambda w: reverse("sig:detail", kwargs={"group_id": w.group.pk}),
        "sig:close",
        {"close-outcome": "goals_met"},
        lambda w: InterventionGroup.objects.get(pk=w.group.pk).status == GroupStatus.CLOSED,
        True,
    ),
    "accounts:user_reset_credentials_confirm": (
        "administrator",
        lambda w: {"user_id": w.users["social_worker"].pk},
        lambda w: reverse("accounts:user_edit", kwargs={"user_id": w.users["social_worker"].pk}),
        "accounts:user_reset_credentials",
        {},
        lambda w: _reset_waiting_or_done(w),
        False,  # an account, not a person of a case
    ),
}


def _reset_waiting_or_done(world) -> bool:
    from accounts.models import AccountRequest, RequestKind

    user = world.users["social_worker"]
    user.refresh_from_db()
    return (
        not user.has_usable_password()
        or AccountRequest.objects.filter(subject_user=user, kind=RequestKind.CREDENTIAL_RESET).exists()
    )


def _act_path(name, world) -> str:
    _who, build, _host, act, *_rest = ACTS[name]
    return reverse(act, kwargs=build(world) if act != "sig:close" else {"group_id": world.group.pk})


@pytest.mark.parametrize("name", ACTS)
def test_the_confirmation_says_what_will_happen_is_recorded_and_changes_nothing(client, world, name):
    who, build, _host, _act, _data, done, names_person = ACTS[name]
    if name == "accounts:user_reset_credentials_confirm":
        world.users["social_worker"].set_password("ett-lösenord-123")
        world.users["social_worker"].save()
    login_verified(client, world.users[who])
    start = head_seq()
    response = client.get(reverse(name, kwargs=build(world)))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Det här händer" in page  # what will happen, before anything is done
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*id="act"[^>]*>', page)
    assert form is not None and form.group(1) == _act_path(name, world)
    assert "novalidate" in form.group(0)
    assert not done(world)  # showing the confirmation changed nothing
    events = list(events_since(start))
    assert events and all(event.outcome == AccessOutcome.ALLOWED for event in events)
    if names_person:
        assert world.case_a.person_id in named_by(events)


@pytest.mark.parametrize("name", ACTS)
def test_the_confirmation_posted_does_the_act(client, world, name):
    who, build, _host, _act, data, done, _names = ACTS[name]
    login_verified(client, world.users[who])
    page = client.get(reverse(name, kwargs=build(world))).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*id="act"[^>]*>(.*?)</form>', page, re.S)
    action = form.group(1)
    # What the page carries along (the version it showed), as a browser would post it.
    carried = dict(
        re.findall(
            r'<input type="hidden" name="(?!csrfmiddlewaretoken)([^"]+)" value="([^"]*)"', form.group(2)
        )
    )
    response = client.post(action, {**carried, **data})
    assert response.status_code in (200, 302)
    assert done(world)


@pytest.mark.parametrize("name", ACTS)
def test_the_page_that_offers_the_act_links_to_the_confirmation_and_never_posts_it(client, world, name):
    who, build, host, _act, _data, _done, _names = ACTS[name]
    login_verified(client, world.users[who])
    page = client.get(host(world)).content.decode()
    assert f'href="{reverse(name, kwargs=build(world))}"' in page
    assert f'action="{_act_path(name, world)}"' not in page


def test_someone_who_may_not_sees_no_confirmation_and_is_denied_on_the_record(client, world):
    login_verified(client, world.users["social_worker_other_district"])
    start = head_seq()
    url = reverse(
        "consent:withdraw_confirm", kwargs={"case_id": world.case_a.pk, "consent_id": world.consent.pk}
    )
    response = client.get(url)
    assert response.status_code == 403
    assert [event.outcome for event in events_since(start)] == [AccessOutcome.DENIED]
    assert Consent.objects.get(pk=world.consent.pk).withdrawn_at is None


def test_a_withdrawal_posted_without_saying_how_comes_back_to_the_confirmation_with_the_message(
    client, world
):
    login_verified(client, world.users["social_worker"])
    confirm = reverse(
        "consent:withdraw_confirm", kwargs={"case_id": world.case_a.pk, "consent_id": world.consent.pk}
    )
    response = client.post(
        reverse("consent:withdraw", kwargs={"case_id": world.case_a.pk, "consent_id": world.consent.pk}), {}
    )
    assert response.status_code == 302 and response.url == confirm + "#act"
    page = client.get(response.url).content.decode()
    form = page[page.index('id="act"') : page.index("</form>", page.index('id="act"'))]
    assert "Ange hur personen återkallade samtycket" in form  # the message, at the form
    assert Consent.objects.get(pk=world.consent.pk).withdrawn_at is None
