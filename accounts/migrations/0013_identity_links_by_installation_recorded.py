"""Data: the identity links approved before this migration (0012 added the flag) by a session the
installer may have held alone are recorded as the installation's (``IdentityLink.by_installation``),
and so are the second parts completed in such a session (``EnrolmentCode.by_installation``): the
taint carries through a link until the provider confirms it by the first-supervisor claim
(accounts.installation). Before, a login through any identity link ended the chain.

Each act (a link approved, a second part completed) is decided by what the records show of its
approver at the time (the request's decision), as accounts.services.session_held_alone decides it
now: the approver may have held that session alone when the login they used then was set with a code
one person held (the installation's, or a whole one), or when they had a link of the installation's
then (its request approved in such a session, even if the link was removed since: a reset removes the
links; not yet confirmed by the provider). A code that sets a login later ends the taint of the
earlier login only from its use on, and only when it is not tainted itself. Which session acted was not
recorded, so where it is in doubt the record is tainted, never cleared: an act without a recorded time
is judged against everything the approver ever held, a login in use without a recorded use against
every time. Each code and link tainted so taints the acts of its holder in turn, until nothing changes.
Whoever is wrongly caught is confined until the provider confirms their link (the claim) or their login
is reset with an untainted approval. Backwards: the flags stay (a taint is never cleared by a
migration)."""

from collections import defaultdict

from django.db import migrations

LINK_REQUEST, APPROVED = "identity_link", "approved"


class _Records:
    """What the records show of each account's logins and links of the installation's."""

    def __init__(self, User, EnrolmentCode, AccountRequest, IdentityLink, tainted_requests):
        # Logins set: (when used, whether one person held the code). A login in use whose use was not
        # recorded counts at every time.
        self.logins = defaultdict(list)
        self.alone_at_any_time = set()
        in_use = dict(User._base_manager.filter(login_code__isnull=False).values_list("pk", "login_code_id"))
        rows = EnrolmentCode._base_manager.values_list(
            "pk", "user_id", "used_at", "by_installation", "needs_second_part"
        )
        for pk, user, used_at, by_installation, two_parts in rows.order_by("used_at", "pk"):
            alone = by_installation or not two_parts
            if used_at is not None:
                self.logins[user].append((used_at, alone))
            elif in_use.get(user) == pk and alone:
                self.alone_at_any_time.add(user)
        # Links of the installation's, by account: (approved when, confirmed by the provider when).
        confirmed = dict(
            IdentityLink._base_manager.filter(request_id__in=tainted_requests).values_list(
                "request_id", "provider_confirmed_at"
            )
        )
        self.links = defaultdict(list)
        for pk, user, decided_at in AccountRequest._base_manager.filter(pk__in=tainted_requests).values_list(
            "pk", "subject_user_id", "decided_at"
        ):
            self.links[user].append((decided_at, confirmed.get(pk)))

    def held_alone(self, user, when) -> bool:
        """Whether a session of ``user`` at ``when`` (None: not recorded) may have been one person's."""
        for approved_at, confirmed_at in self.links[user]:
            if when is None or approved_at is None or approved_at <= when:
                if confirmed_at is None or when is None or when < confirmed_at:
                    return True
        if user in self.alone_at_any_time:
            return True
        if when is None:
            return any(alone for _, alone in self.logins[user])
        before = [alone for used_at, alone in self.logins[user] if used_at <= when]
        return bool(before) and before[-1]


def record(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    IdentityLink = apps.get_model("accounts", "IdentityLink")
    EnrolmentCode = apps.get_model("accounts", "EnrolmentCode")
    AccountRequest = apps.get_model("accounts", "AccountRequest")
    link_requests = list(
        AccountRequest._base_manager.filter(
            kind=LINK_REQUEST, status=APPROVED, decided_by__isnull=False
        ).values_list("pk", "decided_by_id", "decided_at")
    )
    tainted_requests = set(
        IdentityLink._base_manager.filter(by_installation=True).values_list("request_id", flat=True)
    )
    while True:
        records = _Records(User, EnrolmentCode, AccountRequest, IdentityLink, tainted_requests)
        requests = {
            pk
            for pk, by, decided_at in link_requests
            if pk not in tainted_requests and records.held_alone(by, decided_at)
        }
        # A second part is completed when its request is approved (accounts.services._complete_code).
        codes = [
            pk
            for pk, by, decided_at in EnrolmentCode._base_manager.filter(
                by_installation=False, completed_by__isnull=False
            ).values_list("pk", "completed_by_id", "request__decided_at")
            if records.held_alone(by, decided_at)
        ]
        if not requests and not codes:
            break
        tainted_requests |= requests
        # The base manager: a flag, no encrypted field, is written (the live model's default manager
        # refuses bulk writes, which would bypass the value's encryption).
        EnrolmentCode._base_manager.filter(pk__in=codes).update(by_installation=True)
    IdentityLink._base_manager.filter(by_installation=False, request_id__in=tainted_requests).update(
        by_installation=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_identity_links_by_installation"),
    ]

    operations = [migrations.RunPython(record, migrations.RunPython.noop)]
