"""The access log's words: every purpose, reason and ground the code base writes into the log, as a
person reads them, in the reader's language.

The log keeps what was written (it is append-only and sealed), and what is written are codes: short
English phrases (``casework``, ``assigned to the case``), identifiers (``intervention_group``,
``consent:<id>``) and a few patterns with numbers or another code in them (``listed 12``,
``role: social_worker``). Every page and PDF that shows a purpose, a reason or a ground renders it
here. What a code carries that the reader may not see is left out (a consent's id, a model's label).
A test (tests/test_code_words.py) finds every code the code base can write, by reading the source,
and fails when one has no words here; a code this module does not know is shown as it was written.

Apps add the word lists they own (legal grounds, consent review outcomes) through their app config's
``access_words`` (lotsa.apps), so the kernel imports no domain app.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import pgettext_lazy

from accounts.models import ApproverBasis, RequestKind
from accounts.roles import Role
from lotsa.vocabulary import CROSSING_PURPOSES, crossing_purpose_label

# --- Purposes: what an access was for -------------------------------------------------------------

PURPOSES = {
    "possibly the same person": pgettext_lazy(
        "access purpose", "showing another record of the unit that may be the same person"
    ),
    "merge two records of the same person": pgettext_lazy(
        "access purpose", "asking to merge two records of the same person"
    ),
    "the form to merge two records of the same person": pgettext_lazy(
        "access purpose", "the form to ask to merge two records of the same person"
    ),
    "mark two records as not the same person": pgettext_lazy(
        "access purpose", "marking two records as not the same person"
    ),
    "merge a record with the person's number": pgettext_lazy(
        "access purpose", "asking to merge a record with the person's number"
    ),
    "approve merging records of a person": pgettext_lazy(
        "access purpose", "approving the merging of records of a person"
    ),
    "refuse merging records of a person": pgettext_lazy(
        "access purpose", "refusing the merging of records of a person"
    ),
    "decide merging records of a person": pgettext_lazy(
        "access purpose", "the request to merge records of a person"
    ),
    "BOPS assessment for the defector programme": pgettext_lazy(
        "access purpose", "BOPS's assessment for the defector programme"
    ),
    "a form with errors": pgettext_lazy("access purpose", "a form that was not accepted"),
    "accept a hand-over": pgettext_lazy("access purpose", "accepting a hand-over"),
    "accept the confidentiality undertaking": pgettext_lazy(
        "access purpose", "accepting the confidentiality undertaking"
    ),
    "access review": pgettext_lazy("access purpose", "review of the access log"),
    "account administration": pgettext_lazy("access purpose", "account administration"),
    "activate the case": pgettext_lazy("access purpose", "activating the case"),
    "activate the group": pgettext_lazy("access purpose", "activating the intervention group"),
    "add a goal": pgettext_lazy("access purpose", "adding a goal to the plan"),
    "add a group member": pgettext_lazy("access purpose", "adding a member to the group"),
    "approve": pgettext_lazy("access purpose", "approving an account request"),
    "approve a decision": pgettext_lazy("access purpose", "approving a decision"),
    "approve closing the case": pgettext_lazy("access purpose", "approving the closing of the case"),
    "approve lowering the protection": pgettext_lazy(
        "access purpose", "approving the lowering of a protected identity"
    ),
    "ask to be assigned": pgettext_lazy("access purpose", "asking to be assigned to the case"),
    "assess a report of concern": pgettext_lazy("access purpose", "assessing a report of concern"),
    "protection assessment of a report of concern": pgettext_lazy(
        "access purpose", "the protection assessment of a report of concern"
    ),
    "assess threat and protection need": pgettext_lazy(
        "access purpose", "assessing the threat and the need for protection"
    ),
    "assignment requests": pgettext_lazy("access purpose", "the requests to be assigned"),
    "calendar": pgettext_lazy("access purpose", "the user's calendar"),
    # Written by the demo's replayed history before it replayed what the case page writes (casework):
    # demo databases made then still hold it.
    "case page": pgettext_lazy("access purpose", "the case page"),
    "case summary": pgettext_lazy("access purpose", "a printed case summary"),
    "archive package": pgettext_lazy("access purpose", "a package for the archive, before erasure"),
    "casework": pgettext_lazy("access purpose", "casework in the case"),
    "change the activity": pgettext_lazy("access purpose", "changing the case's activity"),
    "close the case": pgettext_lazy("access purpose", "closing the case"),
    "close the group": pgettext_lazy("access purpose", "closing the intervention group"),
    "confirm deleting a journal draft": pgettext_lazy(
        "access purpose", "the page that asks before a journal draft is deleted"
    ),
    "confirm not a protected witness": pgettext_lazy(
        "access purpose", "confirming that the person is not a protected witness"
    ),
    "consents": pgettext_lazy("access purpose", "the person's consents"),
    "consents about to expire": pgettext_lazy("access purpose", "consents about to expire"),
    "coordination, de-identified": pgettext_lazy("access purpose", "coordination, de-identified"),
    "de-identified report": pgettext_lazy("access purpose", "sending a de-identified report"),
    "decline a hand-over": pgettext_lazy("access purpose", "declining a hand-over"),
    "defector programme": pgettext_lazy("access purpose", "the defector programme"),
    "delete a journal draft": pgettext_lazy("access purpose", "deleting a journal draft"),
    "edit a journal draft": pgettext_lazy("access purpose", "editing a journal draft"),
    "emergency access": pgettext_lazy("access purpose", "emergency access"),
    "emergency access, step one": pgettext_lazy("access purpose", "emergency access, the first step"),
    "find a person": pgettext_lazy("access purpose", "a search by personal identity number"),
    "cross-unit lookup": pgettext_lazy(
        "access purpose", "whether a search by personal identity number may be told of this record"
    ),
    "first contact": pgettext_lazy("access purpose", "the first contact"),
    "first contacts": pgettext_lazy("access purpose", "the VBE team's list of first contacts"),
    "follow up an action": pgettext_lazy("access purpose", "following up an action of the plan"),
    "follow up an intervention": pgettext_lazy("access purpose", "following up an intervention"),
    "form an intervention group": pgettext_lazy("access purpose", "forming an intervention group"),
    "go on after a lowered threat": pgettext_lazy("access purpose", "going on after a lowered threat"),
    "grant an assignment": pgettext_lazy("access purpose", "granting a request to be assigned"),
    "hand-over": pgettext_lazy("access purpose", "a hand-over between units"),
    "hand-overs": pgettext_lazy("access purpose", "the list of hand-overs"),
    "ask for a hand-over": pgettext_lazy("access purpose", "asking another unit for a hand-over"),
    "decline a request for a hand-over": pgettext_lazy(
        "access purpose", "declining another unit's request for a hand-over"
    ),
    "request for a hand-over": pgettext_lazy("access purpose", "a request for a hand-over between units"),
    "requests for a hand-over": pgettext_lazy("access purpose", "the list of requests for a hand-over"),
    "intervention group": pgettext_lazy("access purpose", "the intervention group"),
    "keep the case open after a hand-over": pgettext_lazy(
        "access purpose", "keeping the case open after its hand-over was accepted"
    ),
    "local situation picture": pgettext_lazy("access purpose", "the local situation picture"),
    "lower the protected-identity level": pgettext_lazy(
        "access purpose", "asking to lower the level of protected identity"
    ),
    "my cases": pgettext_lazy("access purpose", "the handler's list of cases"),
    "my intervention groups": pgettext_lazy("access purpose", "the list of intervention groups"),
    "needs and risk": pgettext_lazy("access purpose", "the needs-and-risk analyses"),
    "open a case": pgettext_lazy("access purpose", "opening a case"),
    "placement address": pgettext_lazy("access purpose", "the address of a placement"),
    "plan an action": pgettext_lazy("access purpose", "planning an action"),
    "plan an intervention": pgettext_lazy("access purpose", "planning an intervention"),
    "plan the next meeting": pgettext_lazy("access purpose", "planning the next meeting"),
    "police request to the defector programme": pgettext_lazy(
        "access purpose", "a request from the police to the defector programme"
    ),
    "preview a subject access extract": pgettext_lazy("access purpose", "previewing a register extract"),
    "prepare a decision on support": pgettext_lazy("access purpose", "preparing a decision on support"),
    "print a consent form": pgettext_lazy("access purpose", "printing a consent form"),
    "reassign the case": pgettext_lazy("access purpose", "reassigning the case"),
    "record a consent": pgettext_lazy("access purpose", "recording a consent"),
    "record a disclosure": pgettext_lazy("access purpose", "recording a disclosure without consent"),
    "record a first-contact meeting": pgettext_lazy("access purpose", "recording a first-contact meeting"),
    "record a follow-up": pgettext_lazy("access purpose", "recording a follow-up"),
    "record a meeting": pgettext_lazy("access purpose", "recording a meeting"),
    "record a placement": pgettext_lazy("access purpose", "recording a placement"),
    "record a relation": pgettext_lazy("access purpose", "recording a relation"),
    "record a report of concern": pgettext_lazy("access purpose", "recording a report of concern"),
    "record a support conversation": pgettext_lazy("access purpose", "recording a support conversation"),
    "record the conditions form": pgettext_lazy("access purpose", "recording the signed conditions form"),
    "refuse": pgettext_lazy("access purpose", "refusing an account request"),
    "refuse an assignment": pgettext_lazy("access purpose", "refusing a request to be assigned"),
    "refuse lowering the protection": pgettext_lazy(
        "access purpose", "refusing the lowering of a protected identity"
    ),
    "relation to the person concerned": pgettext_lazy(
        "access purpose", "the relation to the person concerned"
    ),
    "relative support": pgettext_lazy("access purpose", "support for relatives"),
    "remove a group member": pgettext_lazy("access purpose", "removing a member from the group"),
    "report of concern": pgettext_lazy("access purpose", "a report of concern"),
    "reports of concern": pgettext_lazy("access purpose", "the list of reports of concern"),
    "review": pgettext_lazy("access purpose", "the supervisor's review"),
    "review queue": pgettext_lazy("access purpose", "the supervisor's review"),
    "send a decision back": pgettext_lazy("access purpose", "sending a decision back"),
    "send a hand-over": pgettext_lazy("access purpose", "sending a hand-over"),
    "set the protected-identity level": pgettext_lazy(
        "access purpose", "setting the level of protected identity"
    ),
    "share with the group": pgettext_lazy("access purpose", "sharing with the group"),
    "sign a journal entry": pgettext_lazy("access purpose", "signing a journal entry"),
    "subject access": pgettext_lazy("access purpose", "the register extracts"),
    "subject access extract": pgettext_lazy("access purpose", "a register extract"),
    "subject access extracts": pgettext_lazy("access purpose", "the list of register extracts"),
    "supersede a consent": pgettext_lazy("access purpose", "replacing a consent with a new one"),
    "the confirmation to close a group": pgettext_lazy(
        "access purpose", "the page to confirm closing a group"
    ),
    "the confirmation to remove a group member": pgettext_lazy(
        "access purpose", "the page to confirm removing a group member"
    ),
    "the confirmation to sign a journal entry": pgettext_lazy(
        "access purpose", "the page to confirm signing a journal entry"
    ),
    "the confirmation to withdraw a consent": pgettext_lazy(
        "access purpose", "the page to confirm withdrawing a consent"
    ),
    "the de-identified form": pgettext_lazy("access purpose", "the form for a de-identified report"),
    "the form for a consent": pgettext_lazy("access purpose", "the form to record a consent"),
    "the form for a disclosure": pgettext_lazy("access purpose", "the form to record a disclosure"),
    "the form for a meeting": pgettext_lazy("access purpose", "the form to record a meeting"),
    "the form to add a member": pgettext_lazy("access purpose", "the form to add a group member"),
    "the form to ask the defector programme": pgettext_lazy(
        "access purpose", "the form to ask the defector programme"
    ),
    "the form to correct a journal entry": pgettext_lazy(
        "access purpose", "the form to correct a journal entry"
    ),
    "the form to edit a journal draft": pgettext_lazy("access purpose", "the form to edit a journal draft"),
    "the form to send a hand-over": pgettext_lazy("access purpose", "the form to send a hand-over"),
    "the form to supersede a consent": pgettext_lazy("access purpose", "the form to replace a consent"),
    "withdraw a consent": pgettext_lazy("access purpose", "withdrawing a consent"),
    "withdraw a hand-over": pgettext_lazy("access purpose", "withdrawing a hand-over"),
    "write in the journal": pgettext_lazy("access purpose", "writing in the journal"),
    # Passkeys (accounts/passkeys.py): the person's own page, and removing one.
    "own passkeys": pgettext_lazy("access purpose", "the person's own passkeys"),
    "remove a passkey": pgettext_lazy("access purpose", "removing a passkey"),
    # Notifications (notifications/): the person's own page, and the administrator's failures.
    "own notifications": pgettext_lazy("access purpose", "the person's own notifications"),
    "own notification settings": pgettext_lazy("access purpose", "the person's own notification settings"),
    "delivery failures": pgettext_lazy("access purpose", "failed scheduled jobs and notifications"),
}

# --- Grounds: under what an access crossed, or was allowed -------------------------------------------

GROUNDS = {
    "GDPR Art. 15": pgettext_lazy("access ground", "the right of access (GDPR Art. 15)"),
    "OSL 10 kap. 1 §": pgettext_lazy("access ground", "the person's consent (OSL 10 kap. 1 §)"),
    "OSL 10 kap. 28 §": pgettext_lazy(
        "access ground", "the duty to report concern for a child (OSL 10 kap. 28 §)"
    ),
    "access review": pgettext_lazy("access ground", "the supervisor's review of the access log"),
    "consent": pgettext_lazy("access ground", "under the person's consent"),
    "emergency access (nödåtkomst)": pgettext_lazy("access ground", "emergency access"),
}

# --- Reasons: why the rule decided as it did, or what an event says happened --------------------------

REASONS = {
    # Local login and break-glass (accounts.local_login, supervision), the first accounts.
    "break-glass: password and second factor": pgettext_lazy(
        "access reason", "break-glass login: password and second factor"
    ),
    "break-glass: password and passkey": pgettext_lazy(
        "access reason", "break-glass login: password and passkey"
    ),
    "local login only for break-glass accounts": pgettext_lazy(
        "access reason", "a password here is only for break-glass accounts: log in with e-ID"
    ),
    "break-glass login reviewed": pgettext_lazy("access reason", "break-glass login reviewed"),
    "supervisor of the account's organisation": pgettext_lazy(
        "access reason", "supervisor of the account's organisation"
    ),
    "access approver of the administration": pgettext_lazy(
        "access reason", "access approver of the social-services administration"
    ),
    "no one reviews their own break-glass login": pgettext_lazy(
        "access reason", "no one reviews their own break-glass login"
    ),
    "only the account's supervisor or an access approver reviews a break-glass login": pgettext_lazy(
        "access reason", "only the account's supervisor or an access approver reviews a break-glass login"
    ),
    "this break-glass login is reviewed already": pgettext_lazy(
        "access reason", "this break-glass login is reviewed already"
    ),
    "organisation created by the installation": pgettext_lazy(
        "access reason", "organisation created by the installation (the first accounts)"
    ),
    "first account created by the installation": pgettext_lazy(
        "access reason", "first account created by the installation"
    ),
    "enrolment code issued by the installation": pgettext_lazy(
        "access reason", "enrolment code issued by the installation"
    ),
    "the other record is not open to the user": pgettext_lazy(
        "access reason", "the other record is not open to the user"
    ),
    "handler of a case of the person, sees the other record": pgettext_lazy(
        "access reason", "handler of a case of the person, who may also see the other record"
    ),
    "requests are made and decided in the unit that keeps the record": pgettext_lazy(
        "access reason", "requests are made and decided in the unit that keeps the record"
    ),
    "the unit's supervisor approves merging records": pgettext_lazy(
        "access reason", "the unit's supervisor approves merging records"
    ),
    "no request to merge waits for approval": pgettext_lazy(
        "access reason", "no request to merge waits for approval"
    ),
    "supervisor of the unit, not the requester": pgettext_lazy(
        "access reason", "supervisor of the unit, not the requester"
    ),
    "supervisor of the unit: a record without a case": pgettext_lazy(
        "access reason", "supervisor of the unit: a record of the unit without a case"
    ),
    "BOPS assesses threat and protection for the programme": pgettext_lazy(
        "access reason", "BOPS assesses threat and protection for the programme"
    ),
    "BOPS, under the consent": pgettext_lazy("access reason", "BOPS, under the person's consent"),
    "a case's status changes through cases.services": pgettext_lazy(
        "access reason", "a case's status changes only through the case's own steps"
    ),
    "a login one person held alone never reaches personal data": pgettext_lazy(
        "access reason", "a login one person held alone never reaches personal data"
    ),
    "a meeting's decisions stay with the owning unit": pgettext_lazy(
        "access reason", "a meeting's decisions stay with the unit that keeps the case"
    ),
    "a protected address is shown one at a time, never listed or exported": pgettext_lazy(
        "access reason", "a protected address is shown one at a time, never listed or exported"
    ),
    "a protected address is shown only to the case's named handlers": pgettext_lazy(
        "access reason", "a protected address is shown only to the case's named handlers"
    ),
    "a report is never changed": pgettext_lazy("access reason", "a report is never changed"),
    "a request from the police to the unit": pgettext_lazy(
        "access reason", "a request from the police to the unit"
    ),
    "a supervisor of the organisation approves the analysis": pgettext_lazy(
        "access reason", "a supervisor of the organisation approves the analysis"
    ),
    "a version is never changed": pgettext_lazy("access reason", "a version is never changed"),
    "account created": pgettext_lazy("access reason", "account created"),
    "account requests": pgettext_lazy("access reason", "the list of account requests"),
    "account updated": pgettext_lazy("access reason", "account updated"),
    "administrator (gives the roles)": pgettext_lazy("access reason", "administrator (gives the roles)"),
    "administrator: manages accounts": pgettext_lazy("access reason", "administrator: manages accounts"),
    "administrators and coordinators never read a person's data": pgettext_lazy(
        "access reason", "administrators and coordinators never read a person's data"
    ),
    "administrators and coordinators read no case content": pgettext_lazy(
        "access reason", "administrators and coordinators read no case content"
    ),
    "administrators manage accounts and cannot read cases": pgettext_lazy(
        "access reason", "administrators manage accounts and cannot read cases"
    ),
    "administrators manage accounts only": pgettext_lazy(
        "access reason", "administrators manage accounts only"
    ),
    "an analysis is never edited: write a new version": pgettext_lazy(
        "access reason", "an analysis is never edited: write a new version"
    ),
    "an assessment is never changed: BOPS records a new one": pgettext_lazy(
        "access reason", "an assessment is never changed: BOPS records a new one"
    ),
    "an extract is given out only once approved": pgettext_lazy(
        "access reason", "an extract is given out only once approved"
    ),
    "an intervention group's latest threat assessment of the person": pgettext_lazy(
        "access reason", "the latest threat assessment of the person's intervention group"
    ),
    "an intervention group's latest threat assessment, from another unit's record of the person": (
        pgettext_lazy(
            "access reason",
            "the latest threat assessment of the person's intervention group, kept in another unit's "
            "record of the same person",
        )
    ),
    "another administration's coordinator": pgettext_lazy(
        "access reason", "another administration's coordinator"
    ),
    "approved extract": pgettext_lazy("access reason", "an approved register extract"),
    "assigned already": pgettext_lazy("access reason", "assigned already"),
    "assigned already: no emergency access needed": pgettext_lazy(
        "access reason", "assigned already: no emergency access needed"
    ),
    "assigned to the case": pgettext_lazy("access reason", "assigned to the case"),
    "authenticator enrolled": pgettext_lazy("access reason", "authenticator app set up"),
    "author of the extract": pgettext_lazy("access reason", "author of the extract"),
    "cases are opened in the user's own unit only": pgettext_lazy(
        "access reason", "cases are opened in the user's own unit only"
    ),
    "central coordinator": pgettext_lazy("access reason", "central coordinator"),
    "changes go through cases.services": pgettext_lazy(
        "access reason", "changes are made only through the case's own steps"
    ),
    "civil society sees no threat assessment": pgettext_lazy(
        "access reason", "civil society sees no threat assessment"
    ),
    "civil society sees only the summaries written for it": pgettext_lazy(
        "access reason", "civil society sees only the summaries written for it"
    ),
    "civil society sees the summaries only": pgettext_lazy(
        "access reason", "civil society sees the summaries only"
    ),
    "consent recorded": pgettext_lazy("access reason", "consent recorded"),
    "consent withdrawn": pgettext_lazy("access reason", "consent withdrawn"),
    "consents are managed by the handlers of the case they were recorded in": pgettext_lazy(
        "access reason", "consents are managed by the handlers of the case they were recorded in"
    ),
    "conversations are recorded through relatives.services": pgettext_lazy(
        "access reason", "support conversations are recorded only through the support case's own steps"
    ),
    "coordinator": pgettext_lazy("access reason", "coordinator"),
    "coordinator of the administration": pgettext_lazy("access reason", "coordinator of the administration"),
    "coordinators see de-identified aggregates only": pgettext_lazy(
        "access reason", "coordinators see de-identified aggregates only"
    ),
    "covered by a consent": pgettext_lazy("access reason", "covered by the person's consent"),
    "data key destroyed": pgettext_lazy("access reason", "the person's data key was destroyed"),
    "de-identified reports go to the coordinators only": pgettext_lazy(
        "access reason", "de-identified reports go to the coordinators only"
    ),
    "decides the request": pgettext_lazy("access reason", "decides the request"),
    "disclosed under a legal ground": pgettext_lazy("access reason", "disclosed under a legal ground"),
    "disclosures are recorded through consent.services": pgettext_lazy(
        "access reason", "disclosures are recorded only through the disclosure form"
    ),
    "emergency access": pgettext_lazy("access reason", "emergency access"),
    "emergency access is for the owning unit's social workers": pgettext_lazy(
        "access reason", "emergency access is for the social workers of the unit that keeps the case"
    ),
    "emergency access is opened through consent.services": pgettext_lazy(
        "access reason", "emergency access is opened only through its own form"
    ),
    "emergency access opened": pgettext_lazy("access reason", "emergency access opened"),
    "enrolment code: none usable": pgettext_lazy("access reason", "enrolment code: none that can be used"),
    "enrolment code: wrong": pgettext_lazy("access reason", "enrolment code: wrong code"),
    "extracts are made by the unit that keeps the record": pgettext_lazy(
        "access reason", "extracts are made by the unit that keeps the record"
    ),
    "hand-overs change through cases.services": pgettext_lazy(
        "access reason", "hand-overs change only through their own steps"
    ),
    "handler of a case of the person": pgettext_lazy("access reason", "handler of a case of the person"),
    "handler of a case of the person, opening another": pgettext_lazy(
        "access reason", "handler of a case of the person, opening another"
    ),
    "handler of a case of the unit that raised the protection": pgettext_lazy(
        "access reason", "handler of a case in the unit that raised the protection"
    ),
    "handler of the case the consent was recorded in": pgettext_lazy(
        "access reason", "handler of the case the consent was recorded in"
    ),
    "has a case of the person": pgettext_lazy("access reason", "has a case of the person"),
    "a cross-unit lookup is of another unit's record": pgettext_lazy(
        "access reason", "the searching unit's own record, not another unit's"
    ),
    "no consent of the person in force covers telling the searching unit": pgettext_lazy(
        "access reason", "no consent of the person in force covers telling the searching unit"
    ),
    "no other unit holds a record of the number": pgettext_lazy(
        "access reason", "no other unit holds a record of the number"
    ),
    "the holding unit is not active": pgettext_lazy("access reason", "the holding unit is no longer active"),
    "social services' case workers ask other units for hand-overs": pgettext_lazy(
        "access reason", "only the social services' case workers ask other units for hand-overs"
    ),
    "the holding unit's supervisor or a handler of a case of the person answers": pgettext_lazy(
        "access reason", "the holding unit's supervisor or a handler of a case of the person answers"
    ),
    "neither the asking side nor the holding side of the request": pgettext_lazy(
        "access reason", "neither the asking side nor the holding side of the request"
    ),
    "the consent the request was sent under no longer holds: shown without its content": pgettext_lazy(
        "access reason", "the request has lapsed (the consent no longer holds): shown without its content"
    ),
    "requests for a hand-over change through cases.handovers.services": pgettext_lazy(
        "access reason", "not an act on a request for a hand-over"
    ),
    "a consent of the person in force covers telling the searching unit": pgettext_lazy(
        "access reason", "a consent of the person in force covers telling the searching unit"
    ),
    "idle timeout": pgettext_lazy("access reason", "logged out after a time without activity"),
    "information crosses to another organisation only for a named purpose": pgettext_lazy(
        "access reason", "information crosses to another organisation only for a named purpose"
    ),
    "listed": pgettext_lazy("access reason", "shown in a list"),
    "lockout lifted": pgettext_lazy("access reason", "lockout lifted"),
    "login reset": pgettext_lazy("access reason", "login reset"),
    "login set with an enrolment code": pgettext_lazy("access reason", "login set with an enrolment code"),
    "member of the group": pgettext_lazy("access reason", "member of the group"),
    "member of the group in the owning unit": pgettext_lazy(
        "access reason", "member of the group, in the unit that keeps the case"
    ),
    "member of the group, covered by the consent": pgettext_lazy(
        "access reason", "member of the group, covered by the person's consent"
    ),
    "members record through the group's services": pgettext_lazy(
        "access reason", "members record only through the group's own steps"
    ),
    "named as the person concerned in a relative's case": pgettext_lazy(
        "access reason", "named as the person concerned in a relative's case"
    ),
    "named handler of the case": pgettext_lazy("access reason", "named handler of the case"),
    "named handler of the case follows it up": pgettext_lazy(
        "access reason", "named handler of the case follows it up"
    ),
    "named handler of the relative's case": pgettext_lazy(
        "access reason", "named handler of the relative's case"
    ),
    "neither the sending side nor the receiving unit under a consent": pgettext_lazy(
        "access reason", "neither the sending side nor the receiving unit under a consent"
    ),
    "neither the sending side nor the responsible district": pgettext_lazy(
        "access reason", "neither the sending side nor the responsible district"
    ),
    "no case of the person is open to the user": pgettext_lazy(
        "access reason", "no case of the person is open to the user"
    ),
    "no consent for the defector programme names BOPS": pgettext_lazy(
        "access reason", "no consent for the defector programme names BOPS"
    ),
    "no consent in force covers the member's organisation": pgettext_lazy(
        "access reason", "no consent in force covers the member's organisation"
    ),
    "no consent or legal ground covers sharing with this organisation": pgettext_lazy(
        "access reason", "no consent or legal ground covers sharing with this organisation"
    ),
    "no longer holds the role that made them an approver": pgettext_lazy(
        "access reason", "no longer holds the role that made them an approver"
    ),
    "no one approves closing a case they proposed to close": pgettext_lazy(
        "access reason", "no one approves closing a case they proposed to close"
    ),
    "no one approves what they prepared": pgettext_lazy(
        "access reason", "no one approves what they prepared"
    ),
    "no one approves what they wrote": pgettext_lazy("access reason", "no one approves what they wrote"),
    "no organisation": pgettext_lazy("access reason", "the account belongs to no organisation"),
    "no part in the person's other timeline": pgettext_lazy(
        "access reason",
        "neither a member of the person's intervention group nor a handler of their case in the defector "
        "programme",
    ),
    "no proposal to close the case waits for approval": pgettext_lazy(
        "access reason", "no proposal to close the case waits for approval"
    ),
    "no request to lower the protection waits for approval": pgettext_lazy(
        "access reason", "no request to lower the protection waits for approval"
    ),
    "no rule allows this": pgettext_lazy("access reason", "no rule allows this"),
    "nobody approves a request about their own account": pgettext_lazy(
        "access reason", "nobody approves a request about their own account"
    ),
    "nobody approves a request they entered": pgettext_lazy(
        "access reason", "nobody approves a request they entered"
    ),
    "nobody approves their own decision": pgettext_lazy(
        "access reason", "nobody approves their own decision"
    ),
    "nobody decides their own hand-over": pgettext_lazy(
        "access reason", "nobody decides their own hand-over"
    ),
    "nobody decides their own request": pgettext_lazy("access reason", "nobody decides their own request"),
    "nobody reviews their own act": pgettext_lazy("access reason", "nobody reviews their own act"),
    "not a handler of the person's cases": pgettext_lazy(
        "access reason", "not a handler of the person's cases"
    ),
    "not a member of an open group": pgettext_lazy("access reason", "not a member of an open group"),
    "not a member of the group": pgettext_lazy("access reason", "not a member of the group"),
    "not among the approvers fixed when the request was made": pgettext_lazy(
        "access reason", "not among the approvers fixed when the request was made"
    ),
    "not assigned to the case": pgettext_lazy("access reason", "not assigned to the case"),
    "not logged in": pgettext_lazy("access reason", "not logged in"),
    "not the sender of the request": pgettext_lazy("access reason", "not the sender of the request"),
    "not the user's emergency access": pgettext_lazy("access reason", "not the user's emergency access"),
    "only the latest assessment of the other timeline is shown": pgettext_lazy(
        "access reason", "only the latest threat assessment is shown on the other page of the person"
    ),
    "only a handler of the person's case prepares an extract": pgettext_lazy(
        "access reason", "only a handler of the person's case prepares an extract"
    ),
    "only a supervisor of the unit reviews access": pgettext_lazy(
        "access reason", "only a supervisor of the unit reviews access"
    ),
    "only a supervisor of the unit reviews its access log": pgettext_lazy(
        "access reason", "only a supervisor of the unit reviews its access log"
    ),
    "only a supervisor of the unit that keeps the record reviews access to it": pgettext_lazy(
        "access reason", "only a supervisor of the unit that keeps the record reviews access to it"
    ),
    "only its author and the unit's supervisor give out an extract": pgettext_lazy(
        "access reason", "only its author and the unit's supervisor give out an extract"
    ),
    "only the author changes, signs or deletes a draft": pgettext_lazy(
        "access reason", "only the author changes, signs or deletes a draft"
    ),
    "only its author and the unit's supervisor see an extract": pgettext_lazy(
        "access reason", "only its author and the unit's supervisor see an extract"
    ),
    "only social services open cases": pgettext_lazy("access reason", "only social services open cases"),
    "only the organisation's supervisors and the administrators keep its analyses": pgettext_lazy(
        "access reason", "only the organisation's supervisors and the administrators keep its analyses"
    ),
    "only the supervisor or the responsible social worker decides": pgettext_lazy(
        "access reason", "only the supervisor or the responsible social worker decides"
    ),
    "only the unit that raised the protection lowers it": pgettext_lazy(
        "access reason", "only the unit that raised the protection lowers it"
    ),
    "only the unit's social workers ask to be assigned": pgettext_lazy(
        "access reason", "only the unit's social workers ask to be assigned"
    ),
    "only the unit's supervisor reassigns cases": pgettext_lazy(
        "access reason", "only the unit's supervisor reassigns cases"
    ),
    "organisation created": pgettext_lazy("access reason", "organisation created"),
    "organisation deactivated": pgettext_lazy("access reason", "organisation deactivated"),
    "organisation updated": pgettext_lazy("access reason", "organisation updated"),
    "password": pgettext_lazy("access reason", "wrong username or password"),
    "password and second factor": pgettext_lazy("access reason", "password and second factor"),
    # Passkeys (accounts/passkeys.py): the login, the person's own keys, and each refusal of a ceremony.
    "password and passkey": pgettext_lazy("access reason", "password and passkey"),
    "passkey registered": pgettext_lazy("access reason", "passkey added"),
    "own passkey": pgettext_lazy("access reason", "the person's own passkey"),
    "another person's passkey": pgettext_lazy("access reason", "a passkey of another person"),
    "own notifications": pgettext_lazy("access reason", "the person's own notifications"),
    "another person's notifications": pgettext_lazy("access reason", "notifications of another person"),
    "own notification settings": pgettext_lazy("access reason", "the person's own notification settings"),
    "another person's notification settings": pgettext_lazy(
        "access reason", "notification settings of another person"
    ),
    "the last second factor stays": pgettext_lazy(
        "access reason", "the last second factor of a login is never removed"
    ),
    "passkey response not valid": pgettext_lazy("access reason", "a passkey answer that does not verify"),
    "passkey without a verified login": pgettext_lazy(
        "access reason", "a passkey asked for without a login verified by a second factor"
    ),
    "passkey without a login waiting": pgettext_lazy(
        "access reason", "a passkey used with no login waiting for its second step"
    ),
    "passkey needs a fresh login": pgettext_lazy("access reason", "a passkey added too long after the login"),
    "passkey challenge missing or used": pgettext_lazy(
        "access reason", "a passkey answer to a challenge never given or used already"
    ),
    "unknown passkey": pgettext_lazy("access reason", "an unknown passkey"),
    "passkey of a disabled account": pgettext_lazy("access reason", "a passkey of a disabled account"),
    "identity linked": pgettext_lazy("access reason", "linked to an identity at a login provider"),
    "identity linked by the installation": pgettext_lazy(
        "access reason",
        "linked to an identity at a login provider, approved by a login the installer may have held "
        "alone: confined until the provider confirms the person",
    ),
    "identity link confirmed by the provider's first-supervisor claim": pgettext_lazy(
        "access reason",
        "link to an identity confirmed by the login provider's first-supervisor claim: no longer confined",
    ),
    "identity link removed": pgettext_lazy(
        "access reason", "link to an identity at a login provider removed"
    ),
    "single sign-on (OpenID Connect)": pgettext_lazy("access reason", "single sign-on (OpenID Connect)"),
    "single sign-on refused: state": pgettext_lazy(
        "access reason", "single sign-on refused: the answer matched no login started in this browser"
    ),
    "single sign-on refused: nonce": pgettext_lazy(
        "access reason", "single sign-on refused: the id token was issued for another login (nonce)"
    ),
    "single sign-on refused: signature": pgettext_lazy(
        "access reason", "single sign-on refused: the id token was not signed by a key the provider publishes"
    ),
    "single sign-on refused: token expired": pgettext_lazy(
        "access reason", "single sign-on refused: the id token had expired"
    ),
    "single sign-on refused: token claims": pgettext_lazy(
        "access reason", "single sign-on refused: the id token was for another issuer or client"
    ),
    "single sign-on refused: token": pgettext_lazy(
        "access reason", "single sign-on refused: the provider's answer could not be verified"
    ),
    "single sign-on refused: code not accepted by the provider": pgettext_lazy(
        "access reason", "single sign-on refused: the provider did not accept the code (expired or used)"
    ),
    "single sign-on refused: the provider answered with an error": pgettext_lazy(
        "access reason", "single sign-on refused: the provider answered with an error"
    ),
    "single sign-on refused: another issuer": pgettext_lazy(
        "access reason", "single sign-on refused: the answer named another provider"
    ),
    "single sign-on refused: provider unreachable": pgettext_lazy(
        "access reason", "single sign-on refused: the provider could not be reached"
    ),
    "single sign-on refused: not configured": pgettext_lazy(
        "access reason", "single sign-on refused: it is not configured"
    ),
    "single sign-on refused: no linked account": pgettext_lazy(
        "access reason", "single sign-on refused: the identity is linked to no account"
    ),
    "single sign-on refused: account disabled": pgettext_lazy(
        "access reason", "single sign-on refused: the account or its organisation is disabled"
    ),
    "single sign-on refused: login not fresh": pgettext_lazy(
        "access reason", "single sign-on refused: the provider did not prove the person anew"
    ),
    "single sign-on refused: assurance too low": pgettext_lazy(
        "access reason", "single sign-on refused: the assurance level was too low for the account's roles"
    ),
    "single sign-on (SAML)": pgettext_lazy("access reason", "single sign-on (SAML)"),
    "single sign-on refused: SAML response": pgettext_lazy(
        "access reason",
        "single sign-on refused: the identity provider's answer could not be read or verified",
    ),
    "single sign-on refused: SAML signature": pgettext_lazy(
        "access reason", "single sign-on refused: the assertion was not signed by the identity provider's key"
    ),
    "single sign-on refused: SAML assertion expired": pgettext_lazy(
        "access reason", "single sign-on refused: the assertion had expired (NotOnOrAfter)"
    ),
    "single sign-on refused: SAML assertion not yet valid": pgettext_lazy(
        "access reason", "single sign-on refused: the assertion was not yet valid (NotBefore)"
    ),
    "single sign-on refused: SAML issuer or audience": pgettext_lazy(
        "access reason",
        "single sign-on refused: the answer was not issued by the configured identity provider for Lotsa",
    ),
    "single sign-on refused: SAML audience": pgettext_lazy(
        "access reason", "single sign-on refused: the assertion was meant for another service (audience)"
    ),
    "single sign-on refused: SAML replay": pgettext_lazy(
        "access reason", "single sign-on refused: the answer had been used already (replay)"
    ),
    "single logout by the provider": pgettext_lazy(
        "access reason", "logged out by the identity provider (single logout)"
    ),
    "single logout by the provider: no open session": pgettext_lazy(
        "access reason", "the identity provider asked for a logout (single logout): no session was open"
    ),
    "single logout confirmed by the provider": pgettext_lazy(
        "access reason", "single logout: the identity provider ended its session too"
    ),
    "single logout not confirmed by the provider": pgettext_lazy(
        "access reason", "single logout: the identity provider did not confirm that it ended its session"
    ),
    "single logout refused: SAML response": pgettext_lazy(
        "access reason", "single logout refused: the identity provider's answer could not be read or verified"
    ),
    "single logout refused: state": pgettext_lazy(
        "access reason", "single logout refused: the answer matched no logout started in this browser"
    ),
    "single logout refused: SAML issuer": pgettext_lazy(
        "access reason", "single logout refused: not issued by the configured identity provider"
    ),
    "single logout refused: SAML signature": pgettext_lazy(
        "access reason", "single logout refused: not signed by the identity provider's key"
    ),
    "single logout refused: SAML request": pgettext_lazy(
        "access reason",
        "single logout refused: the identity provider's request could not be read or verified",
    ),
    "single logout refused: SAML request expired": pgettext_lazy(
        "access reason", "single logout refused: the identity provider's request had expired (NotOnOrAfter)"
    ),
    "single logout refused: SAML replay": pgettext_lazy(
        "access reason", "single logout refused: the request had been used already (replay)"
    ),
    "police request to the defector programme": pgettext_lazy(
        "access reason", "a request from the police to the defector programme"
    ),
    "protection lowered by the unit that raised it": pgettext_lazy(
        "access reason", "the protected identity was lowered by the unit that raised it"
    ),
    "protection raised by another unit": pgettext_lazy(
        "access reason", "the protected identity was raised by another unit"
    ),
    "recorded by the viewer's own organisation": pgettext_lazy(
        "access reason", "recorded by the viewer's own organisation"
    ),
    "relations change through relatives.services": pgettext_lazy(
        "access reason", "relations change only through the support case's own steps"
    ),
    "reports of concern change through cases.services": pgettext_lazy(
        "access reason", "reports of concern change only through their own steps"
    ),
    "requests are made and decided in the owning unit": pgettext_lazy(
        "access reason", "requests are made and decided in the unit that keeps the case"
    ),
    "requests come from the police": pgettext_lazy("access reason", "requests come from the police"),
    "responsible social worker of the case": pgettext_lazy(
        "access reason", "responsible social worker of the case"
    ),
    "reviews are made by the owning unit's supervisor": pgettext_lazy(
        "access reason", "reviews are made by the supervisor of the unit that keeps the case"
    ),
    "second factor": pgettext_lazy("access reason", "wrong code from the second factor"),
    "second factor enrolment": pgettext_lazy("access reason", "wrong code when setting up the second factor"),
    "second factor missing": pgettext_lazy("access reason", "logged out: the second factor was missing"),
    "second factor throttled": pgettext_lazy("access reason", "too many codes tried: wait before the next"),
    "sent the request": pgettext_lazy("access reason", "sent the request"),
    "sent to the district under the duty to report": pgettext_lazy(
        "access reason", "sent to the district under the duty to report"
    ),
    "session lifetime reached": pgettext_lazy(
        "access reason", "logged out: the session reached its longest time"
    ),
    "shared with the user's organisation": pgettext_lazy(
        "access reason", "shared with the user's organisation"
    ),
    "social worker of the owning unit asks to be assigned": pgettext_lazy(
        "access reason", "social worker of the unit that keeps the case asks to be assigned"
    ),
    "social worker of the owning unit, reason stated": pgettext_lazy(
        "access reason", "social worker of the unit that keeps the case, with a stated reason"
    ),
    "social worker of the unit": pgettext_lazy("access reason", "social worker of the unit"),
    "staff member reporting concern, de-identified": pgettext_lazy(
        "access reason", "staff member reporting concern, de-identified"
    ),
    "summaries for civil-society members are written by social services": pgettext_lazy(
        "access reason", "summaries for civil-society members are written by social services"
    ),
    "supervisor of the disclosing unit": pgettext_lazy("access reason", "supervisor of the disclosing unit"),
    "supervisor of the organisation": pgettext_lazy("access reason", "supervisor of the organisation"),
    "supervisor of the organisation, not the author": pgettext_lazy(
        "access reason", "supervisor of the organisation, not the author"
    ),
    "supervisor of the owning unit": pgettext_lazy(
        "access reason", "supervisor of the unit that keeps the case"
    ),
    "supervisor of the owning unit, not the author": pgettext_lazy(
        "access reason", "supervisor of the unit that keeps the case, not the author"
    ),
    "supervisor of the owning unit, not the proposer": pgettext_lazy(
        "access reason", "supervisor of the unit that keeps the case, not the one who proposed"
    ),
    "supervisor of the unit": pgettext_lazy("access reason", "supervisor of the unit"),
    "supervisor of the unit that keeps the record": pgettext_lazy(
        "access reason", "supervisor of the unit that keeps the record"
    ),
    "supervisor of the unit that raised the protection, not the requester": pgettext_lazy(
        "access reason", "supervisor of the unit that raised the protection, not the one who asked"
    ),
    "supervisor of the unit, not the author": pgettext_lazy(
        "access reason", "supervisor of the unit, not the author"
    ),
    "supervisors review cases and do not edit them": pgettext_lazy(
        "access reason", "supervisors review cases and do not edit them"
    ),
    "the access log is read, never changed": pgettext_lazy(
        "access reason", "the access log is read, never changed"
    ),
    "the account's own request": pgettext_lazy("access reason", "the account's own request"),
    "the case is closed": pgettext_lazy("access reason", "the case is closed"),
    "the case's named handler records its follow-ups": pgettext_lazy(
        "access reason", "the case's named handler records its follow-ups"
    ),
    "the confidentiality undertaking is not accepted": pgettext_lazy(
        "access reason", "the confidentiality undertaking is not accepted"
    ),
    "the consent is linked to no case": pgettext_lazy("access reason", "the consent is linked to no case"),
    "the coordinator's material": pgettext_lazy("access reason", "the coordinator's material"),
    "the defector programme's latest threat assessment of the person": pgettext_lazy(
        "access reason", "the latest threat assessment of the person in the defector programme"
    ),
    "the defector programme's latest threat assessment, from another unit's record of the person": (
        pgettext_lazy(
            "access reason",
            "the latest threat assessment of the person in the defector programme, kept in another "
            "unit's record of the same person",
        )
    ),
    "the extract has been decided already": pgettext_lazy(
        "access reason", "the extract has been decided already"
    ),
    "the group is closed": pgettext_lazy("access reason", "the group is closed"),
    "the owning unit's supervisor approves decisions": pgettext_lazy(
        "access reason", "the supervisor of the unit that keeps the case approves decisions"
    ),
    "the plan is not shared with the user's organisation": pgettext_lazy(
        "access reason", "the plan is not shared with the user's organisation"
    ),
    "the plan, shared with the user's organisation": pgettext_lazy(
        "access reason", "the plan, shared with the user's organisation"
    ),
    "the police ask the defector programme": pgettext_lazy(
        "access reason", "the police ask the defector programme"
    ),
    "the programme's records change through defectors.services": pgettext_lazy(
        "access reason", "the programme's records change only through the programme's own steps"
    ),
    "the receiving unit decides": pgettext_lazy("access reason", "the receiving unit decides"),
    "the record of a disclosure stays in the unit that made it": pgettext_lazy(
        "access reason", "the record of a disclosure stays in the unit that made it"
    ),
    "the relation is shown only to the relative case's named handlers": pgettext_lazy(
        "access reason", "the relation is shown only to the relative case's named handlers"
    ),
    "the report went to another administration's coordinator": pgettext_lazy(
        "access reason", "the report went to another administration's coordinator"
    ),
    "the requester's own request": pgettext_lazy("access reason", "the requester's own request"),
    "the responsible district assesses the report": pgettext_lazy(
        "access reason", "the responsible district assesses the report"
    ),
    "the review is signed off and cannot change": pgettext_lazy(
        "access reason", "the review is signed off and cannot change"
    ),
    "the sending side": pgettext_lazy("access reason", "the sending side"),
    "the unit keeps a record of the person in cases the user does not handle": pgettext_lazy(
        "access reason", "the unit keeps a record of the person in cases the user does not handle"
    ),
    "the unit's supervisor approves an extract": pgettext_lazy(
        "access reason", "the unit's supervisor approves an extract"
    ),
    "the unit's supervisor approves closing a case": pgettext_lazy(
        "access reason", "the unit's supervisor approves closing a case"
    ),
    "the unit's supervisor approves lowering a protection": pgettext_lazy(
        "access reason", "the unit's supervisor approves lowering a protection"
    ),
    "the user's own emergency access": pgettext_lazy("access reason", "the user's own emergency access"),
    "this version is approved already": pgettext_lazy("access reason", "this version is approved already"),
    "threat assessments are made by the police": pgettext_lazy(
        "access reason", "threat assessments are made by the police"
    ),
    "too many failures": pgettext_lazy("access reason", "too many failed attempts"),
    "too many failures from the address, over many usernames": pgettext_lazy(
        "access reason", "too many failed attempts from the address, with many usernames"
    ),
    "user": pgettext_lazy("access reason", "logged out by the user"),
}

# --- Patterns: codes with a number, a list of codes or a person's words in them ---------------------


@dataclass(frozen=True)
class Pattern:
    """A code's shape with named parts (``listed {n}``), its words (``%(n)s``-style), and the kind of
    each part (a key of the word lists below): how it is read, and whether it fits at all."""

    shape: str
    words: object
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def pieces(self) -> list[str]:
        return re.split(r"\{(\w+)\}", self.shape)

    def render(self, text: str) -> str | None:
        """The words for ``text``, or None when it does not have this shape."""
        pieces = self.pieces

        def walk(i: int, at: int, shown: dict) -> dict | None:
            literal = pieces[i]
            if not text.startswith(literal, at):
                return None
            at += len(literal)
            if i == len(pieces) - 1:
                return shown if at == len(text) else None
            name, following = pieces[i + 1], pieces[i + 2]
            for end in range(at + 1, len(text) + 1):
                if following and not text.startswith(following, end):
                    continue
                part = _part(self.parts.get(name, "text"), text[at:end])
                if part is None:
                    continue
                found = walk(i + 2, end, {**shown, name: part})
                if found is not None:
                    return found
            return None

        shown = walk(0, 0, {})
        return None if shown is None else str(self.words) % shown


REASON_PATTERNS = (
    Pattern("listed {n}", pgettext_lazy("access reason", "shown in a list of %(n)s"), {"n": "number"}),
    Pattern("role: {roles}", pgettext_lazy("access reason", "role: %(roles)s"), {"roles": "roles"}),
    Pattern(
        "role required: {roles}",
        pgettext_lazy("access reason", "one of these roles is required: %(roles)s"),
        {"roles": "roles"},
    ),
    Pattern(
        "account request: {kind}, waiting for approval by {approvers}",
        pgettext_lazy("access reason", "account request (%(kind)s), waiting for approval by %(approvers)s"),
        {"kind": "request kind", "approvers": "approvers"},
    ),
    Pattern(
        "account requests waiting for approval: {n}",
        pgettext_lazy("access reason", "account requests waiting for approval: %(n)s"),
        {"n": "number"},
    ),
    Pattern(
        "among the approvers fixed when the request was made ({basis})",
        pgettext_lazy("access reason", "among the approvers fixed when the request was made (%(basis)s)"),
        {"basis": "approver basis"},
    ),
    Pattern(
        "disclosure without consent: {ground}",
        pgettext_lazy("access reason", "disclosure without consent: %(ground)s"),
        {"ground": "legal ground"},
    ),
    Pattern(
        "no access policy for {model}",
        pgettext_lazy("access reason", "no access rule covers this kind of record (%(model)s)"),
        {"model": "model"},
    ),
    Pattern(
        "organisation deactivated: {n} sessions ended",
        pgettext_lazy("access reason", "organisation deactivated: %(n)s sessions ended"),
        {"n": "number"},
    ),
    Pattern("person erased: {text}", pgettext_lazy("access reason", "person erased: %(text)s")),
    Pattern(
        "name: {n} person(s), {m} case(s) shown",
        pgettext_lazy("access reason", "search by name: %(n)s person(s), %(m)s case(s) shown"),
        {"n": "number", "m": "number"},
    ),
    Pattern(
        "personal identity number: {n} case(s) shown",
        pgettext_lazy("access reason", "search by personal identity number: %(n)s case(s) shown"),
        {"n": "number"},
    ),
    Pattern(
        "review: {outcome}",
        pgettext_lazy("access reason", "review: %(outcome)s"),
        {"outcome": "consent review outcome"},
    ),
    Pattern(
        "rewrapped {n} data keys under v{v}",
        pgettext_lazy("access reason", "%(n)s data keys rewrapped under master key version %(v)s"),
        {"n": "number", "v": "number"},
    ),
    Pattern(
        "rotation to v{v} complete: this run rewrapped {n} data keys; none is left under an older version",
        pgettext_lazy(
            "access reason",
            "rotation to master key version %(v)s complete: %(n)s data keys rewrapped, none left under an "
            "older version",
        ),
        {"n": "number", "v": "number"},
    ),
    Pattern(
        "rotation to v{v} {how}: {n} data keys to rewrap",
        pgettext_lazy(
            "access reason", "rotation to master key version %(v)s %(how)s: %(n)s data keys to rewrap"
        ),
        {"n": "number", "v": "number", "how": "rotation"},
    ),
    # The superseded consent's id is no one's business on a page: the consent page shows the history.
    Pattern(
        "supersedes consent {id}",
        pgettext_lazy("access reason", "replaces an earlier consent"),
        {"id": "hidden"},
    ),
    Pattern(
        "the case changed meanwhile (version {shown} shown, {now} now)",
        pgettext_lazy("access reason", "the case changed meanwhile (version %(shown)s shown, %(now)s now)"),
        {"shown": "number", "now": "number"},
    ),
    Pattern(
        "the unit has {n} case(s) of the person the user does not handle",
        pgettext_lazy(
            "access reason", "the unit has %(n)s case(s) of the person that the user does not handle"
        ),
        {"n": "number"},
    ),
    Pattern(
        "single sign-on (OpenID Connect) via {provider} at {assurance}",
        pgettext_lazy(
            "access reason",
            "single sign-on (OpenID Connect) via %(provider)s at assurance level %(assurance)s",
        ),
    ),
    Pattern(
        "single sign-on (SAML) via {provider} at {assurance}",
        pgettext_lazy(
            "access reason",
            "single sign-on (SAML) via %(provider)s at assurance level %(assurance)s",
        ),
    ),
    Pattern("{n} sessions ended", pgettext_lazy("access reason", "%(n)s sessions ended"), {"n": "number"}),
    # The shapes with nothing but parts come last. A decision on a page that has changed since
    # (lotsa.access.check_as_shown): the rule's reason, and what changed.
    Pattern(
        "{reason}; {changed}",
        pgettext_lazy("access reason", "%(reason)s; %(changed)s"),
        {"reason": "reason", "changed": "reason"},
    ),
    # An operator's recovery of the anchor file: their reason, and what the command did.
    Pattern("{text} [{what}]", pgettext_lazy("access reason", "%(text)s [%(what)s]")),
)

GROUND_PATTERNS = (
    # Which consent is in the log for the supervisor who asks; a page shows that there was one.
    Pattern("consent:{id}", pgettext_lazy("access ground", "under the person's consent"), {"id": "hidden"}),
    Pattern(
        "ground:{ground}",
        pgettext_lazy("access ground", "under a legal ground: %(ground)s"),
        {"ground": "legal ground"},
    ),
)

ROTATION = {
    "started": pgettext_lazy("key rotation", "started"),
    "resumed": pgettext_lazy("key rotation", "resumed"),
}
_APPROVER = re.compile(r"#(\d+) \((\w+)\)")


def _roles(value: str) -> str | None:
    labels = dict(Role.choices)
    codes = value.split(",")
    if not all(code in labels for code in codes):
        return None
    return ", ".join(str(labels[code]) for code in codes)


def _approvers(value: str) -> str | None:
    basis = dict(ApproverBasis.choices)
    found = _APPROVER.findall(value)
    if ", ".join(f"#{user} ({code})" for user, code in found) != value or not all(
        c in basis for _u, c in found
    ):
        return None
    return ", ".join(f"#{user} ({basis[code]})" for user, code in found)


def _model(value: str) -> str | None:
    try:
        return str(apps.get_model(value)._meta.verbose_name)
    except (LookupError, ValueError):
        return None


_LISTS: dict[str, Callable[[str], object]] = {
    "number": lambda value: value if value.isdigit() else None,
    "text": lambda value: value if value.strip() else None,
    "hidden": lambda value: "",
    "roles": _roles,
    "reason": lambda value: _words(REASONS, REASON_PATTERNS, value),
    "approver basis": dict(ApproverBasis.choices).get,
    "approvers": _approvers,
    "request kind": dict(RequestKind.choices).get,
    "model": _model,
    "rotation": ROTATION.get,
}


def register(name: str, words) -> None:
    """Add a word list an app owns: a callable from a code to its words (None if unknown), or a class
    of choices. Called by lotsa.apps for an app config's ``access_words``."""
    _LISTS[name] = dict(words.choices).get if hasattr(words, "choices") else words


def _part(kind: str, value: str) -> str | None:
    words = _LISTS.get(kind)
    if words is None:
        return None
    shown = words(value)
    return None if shown is None else str(shown)


def _words(table: dict, patterns, code: str) -> str | None:
    if code in table:
        return str(table[code])
    for pattern in patterns:
        shown = pattern.render(code)
        if shown is not None:
            return shown
    return None


# --- What pages and PDFs call -------------------------------------------------------------------------


def purpose_words(code: str) -> str:
    """A purpose as the reader reads it; unknown codes as written."""
    if code in CROSSING_PURPOSES:
        return crossing_purpose_label(code)
    return _words(PURPOSES, (), code) or code


def ground_words(code: str) -> str:
    """A ground (a consent, a legal ground, a citation) as the reader reads it; unknown ones as written."""
    shown = _words(GROUNDS, GROUND_PATTERNS, code) or _part("legal ground citation", code)
    return shown or code


def reason_words(code: str) -> str:
    """A decision's reason, or what an event says happened, as the reader reads it."""
    return _words(REASONS, REASON_PATTERNS, code) or code


def why(event) -> str:
    """An event's purpose and ground, in words: what the access was for, and under what."""
    parts = [purpose_words(event.purpose)] if event.purpose else []
    if event.legal_ground:
        ground = ground_words(event.legal_ground)
        if ground not in parts:
            parts.append(ground)
    return "; ".join(parts)


def knows(column: str, code: str) -> bool:
    """Whether ``code`` has words for the column (purpose, reason or ground)."""
    if column == "purpose":
        return code in CROSSING_PURPOSES or code in PURPOSES
    if column == "ground":
        return (
            _words(GROUNDS, GROUND_PATTERNS, code) is not None
            or _part("legal ground citation", code) is not None
        )
    return _words(REASONS, REASON_PATTERNS, code) is not None


def shapes(column: str) -> set[str]:
    """The shapes of the column's patterns, with ``{}`` for each part (as the test reads f-strings)."""
    patterns = {"reason": REASON_PATTERNS, "ground": GROUND_PATTERNS}.get(column, ())
    return {re.sub(r"\{\w+\}", "{}", pattern.shape) for pattern in patterns}
