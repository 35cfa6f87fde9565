"""No code words reach a person (issue 28, item 6).

The access log keeps codes; people read words. Every purpose, reason and ground the code base can
write has Swedish and English words (audit.vocabulary), found by reading the source
(tests/codewords.py), not from a list kept by hand; and no code appears where a supervisor or a
coordinator reads, in Swedish: on the pages they reach, in the subject access extract and in the
situation picture's PDF.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from accounts.models import User
from audit import vocabulary
from audit.models import AccessOutcome, Action
from tests import codewords
from tests.helpers import login_verified
from tests.test_crawl import crawl

FOUND = codewords.scan()


def test_the_scan_resolves_every_value_written_to_the_log():
    unresolved = "\n".join(FOUND.unresolved)
    assert not unresolved, f"values the scan cannot follow (explain them in PASS_THROUGH):\n{unresolved}"
    # The scan reads what it should: a sample of each column, from different apps.
    assert {"casework", "access review", "coordination, de-identified"} <= set(FOUND.codes["purpose"])
    assert {"assigned to the case", "password", "idle timeout"} <= set(FOUND.codes["reason"])
    assert {"consent:{}", "ground:{}"} <= set(FOUND.patterns["ground"])
    assert len(FOUND.codes["reason"]) > 150 and len(FOUND.codes["purpose"]) > 80


@pytest.mark.parametrize("column", ["purpose", "reason", "ground"])
def test_every_code_the_code_base_writes_has_words(column):
    missing = [
        f"{code!r} ({sorted(where)[0]})"
        for code, where in sorted(FOUND.codes.get(column, {}).items())
        if not vocabulary.knows(column, code)
    ]
    assert not missing, f"{column}s without words in audit/vocabulary.py:\n" + "\n".join(missing)
    shapes = [
        f"{shape!r} ({sorted(where)[0]})"
        for shape, where in sorted(FOUND.patterns.get(column, {}).items())
        if shape not in vocabulary.shapes(column)
    ]
    assert not shapes, f"{column} patterns without words in audit/vocabulary.py:\n" + "\n".join(shapes)


def _swedish_and_english(render, code):
    with translation.override("sv"):
        swedish = render(code)
    with translation.override("en"):
        english = render(code)
    return swedish, english


@pytest.mark.parametrize(
    "column, render",
    [
        ("purpose", vocabulary.purpose_words),
        ("reason", vocabulary.reason_words),
        ("ground", vocabulary.ground_words),
    ],
)
def test_every_code_reads_differently_in_swedish(column, render):
    """Words in both languages: the Swedish is a translation, not the English code left as it was."""
    untranslated = []
    for code in FOUND.codes.get(column, {}):
        swedish, english = _swedish_and_english(render, code)
        if swedish == english or swedish == code or CODE.search(swedish):
            untranslated.append(f"{code!r}: {swedish!r}")
    assert not untranslated, "\n".join(sorted(untranslated))


# An example of each pattern, as the code writes it, and the words it must give in Swedish.
PATTERN_EXAMPLES = {
    "listed 12": "visades i en lista med 12",
    "role: social_worker,supervisor": "roll: Socialsekreterare, Enhetschef",
    "role required: coordinator": "en av dessa roller krävs: Samordnare",
    "account request: roles, waiting for approval by #4 (unit_supervisor), #9 (access_approver)": (
        "kontobegäran (Ett kontos roller eller organisation), väntar på godkännande av "
        "#4 (enhetens chef), #9 (behörighetsansvarig)"
    ),
    "account requests waiting for approval: 3": "kontobegäranden som väntar på godkännande: 3",
    "among the approvers fixed when the request was made (access_approver)": (
        "bland godkännarna som bestämdes när begäran gjordes (behörighetsansvarig)"
    ),
    "disclosure without consent: own_task": (
        "utlämnande utan samtycke: Nödvändigt för myndighetens egen verksamhet (OSL 10 kap. 2 §)"
    ),
    "no access policy for cases.case": "ingen åtkomstregel gäller den här sortens uppgift (ärende)",
    "organisation deactivated: 4 sessions ended": "organisationen avaktiverades: 4 sessioner avslutades",
    "person erased: Begäran om radering, beslut 2026-03": (
        "personen raderades: Begäran om radering, beslut 2026-03"
    ),
    "personal identity number: 2 case(s) shown": "sökning på personnummer: 2 ärende(n) visades",
    "name: 3 person(s), 4 case(s) shown": "sökning på namn: 3 person(er), 4 ärende(n) visades",
    "review: misuse": "granskning: Markerad som missbruk",
    "rewrapped 40 data keys under v3": "40 datanycklar omslutna under huvudnyckelns version 3",
    "rotation to v3 complete: this run rewrapped 40 data keys; none is left under an older version": (
        "bytet till huvudnyckelns version 3 klart: 40 datanycklar omslutna, ingen kvar under en äldre version"
    ),
    "rotation to v3 resumed: 12 data keys to rewrap": (
        "bytet till huvudnyckelns version 3 återupptogs: 12 datanycklar att omsluta"
    ),
    "supersedes consent 5": "ersätter ett tidigare samtycke",
    "the case changed meanwhile (version 3 shown, 4 now)": (
        "ärendet ändrades under tiden (version 3 visades, nu 4)"
    ),
    "the unit has 2 case(s) of the person the user does not handle": (
        "enheten har 2 ärende(n) om personen som användaren inte handlägger"
    ),
    "3 sessions ended": "3 sessioner avslutades",
    "single sign-on (OpenID Connect) via https://idp.stad.se at substantial": (
        "inloggning med organisationens e-legitimation (OpenID Connect) via https://idp.stad.se "
        "på tillitsnivå substantial"
    ),
    "single sign-on (SAML) via https://idp.example.se at http://id.elegnamnden.se/loa/1.0/loa3": (
        "inloggning med organisationens e-legitimation (SAML) via https://idp.example.se "
        "på tillitsnivå http://id.elegnamnden.se/loa/1.0/loa3"
    ),
    "assigned to the case; the case changed meanwhile (version 3 shown, 4 now)": (
        "tilldelad ärendet; ärendet ändrades under tiden (version 3 visades, nu 4)"
    ),
    "demo made before the witness store [started a new anchor file at anchor 3]": (
        "demo made before the witness store [started a new anchor file at anchor 3]"
    ),
}
GROUND_EXAMPLES = {
    "consent:4f0c8f0e-5b7a-4c55-9a53-3f1f3f3c2b10": "med personens samtycke",
    "ground:own_task": (
        "med stöd av en rättslig grund: Nödvändigt för myndighetens egen verksamhet (OSL 10 kap. 2 §)"
    ),
    "OSL 10 kap. 2 §": "Nödvändigt för myndighetens egen verksamhet (OSL 10 kap. 2 §)",
}


def test_every_pattern_has_an_example_and_reads_as_it_should():
    examples = {**PATTERN_EXAMPLES, **GROUND_EXAMPLES}
    with translation.override("sv"):
        for code, expected in PATTERN_EXAMPLES.items():
            assert vocabulary.reason_words(code) == expected, code
        for code, expected in GROUND_EXAMPLES.items():
            assert vocabulary.ground_words(code) == expected, code
    covered = set()
    for shape in vocabulary.shapes("reason") | vocabulary.shapes("ground"):
        pattern = re.compile(re.escape(shape).replace(r"\{\}", ".+"))
        if any(pattern.fullmatch(example) for example in examples):
            covered.add(shape)
    assert covered == vocabulary.shapes("reason") | vocabulary.shapes("ground")


def test_what_a_code_carries_that_the_reader_may_not_see_is_left_out():
    with translation.override("sv"):
        assert "4f0c8f0e" not in vocabulary.ground_words("consent:4f0c8f0e-5b7a-4c55-9a53-3f1f3f3c2b10")
        assert "5" not in vocabulary.reason_words("supersedes consent 5")
        # A code the vocabulary does not know is shown as written (the log is the truth), and a
        # part that does not fit a pattern does not make words up.
        assert vocabulary.reason_words("a reason from an older version") == "a reason from an older version"
        assert vocabulary.reason_words("role: no_such_role") == "role: no_such_role"


# --- Where people read: the demo's supervisors and coordinators, in Swedish ---------------------------

# A code on a page: every code the code base writes to the log (purposes, reasons, grounds, the
# literal parts of its patterns), every action and outcome code, and any snake_case token.
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
CITATION = re.compile(r"^(OSL|GDPR|BrB|SoL) ")


def _codes() -> set[str]:
    codes = set()
    for column in ("purpose", "reason", "ground"):
        codes |= set(FOUND.codes.get(column, {}))
        for shape in FOUND.patterns.get(column, {}):
            codes |= {part.strip(" :;()[],") for part in shape.split("{}")}
    codes |= set(Action.values) | set(AccessOutcome.values)
    # Not codes where a person reads: a law's citation (the ground of a consent or a disclosure is cited
    # as the law reads), and "export", which is a Swedish word too.
    return {code for code in codes if code and not CITATION.match(code)} - {"export"}


CODES = _codes()


def _visible_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style|svg)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text.replace("&nbsp;", " "))


def codes_in(text: str) -> list[str]:
    shown = set(CODE.findall(text))
    lowered = f" {text.lower()} "
    for code in CODES:
        if re.search(rf"(?<![\w-]){re.escape(code.lower())}(?![\w-])", lowered):
            shown.add(code)
    return sorted(shown)


def test_a_code_is_found_where_it_is_shown_and_not_in_swedish_words():
    assert codes_in("Ändamål: intervention_group") == ["intervention_group"]
    assert codes_in("Skäl: assigned to the case") == ["assigned to the case"]
    assert "casework" in codes_in("visning | casework | #336")
    with translation.override("sv"):
        assert not codes_in(vocabulary.reason_words("assigned to the case"))
        assert not codes_in(vocabulary.purpose_words("intervention_group"))


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def demo(db):
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())


@pytest.mark.slow
def test_no_code_reaches_a_supervisor_or_a_coordinator_on_a_page_or_in_a_pdf(client, demo):
    readers = User.objects.filter(
        is_active=True, role_grants__role__in=["supervisor", "coordinator"]
    ).distinct()
    assert readers.count() >= 3
    shown, pages, pdfs, summaries = [], 0, 0, 0
    for user in readers.order_by("username"):
        client.logout()
        login_verified(client, user)
        for url, response in crawl(client):
            if response.status_code != 200:
                continue
            kind = response.get("Content-Type", "")
            if "text/html" in kind:
                pages += 1
                text = _visible_text(response.content.decode())
            elif "application/pdf" in kind:
                pdfs += 1
                summaries += url.endswith("/summary.pdf")  # a printable case summary (cases:summary)
                text = _pdf_text(response.content)
            else:
                continue
            for code in codes_in(text):
                shown.append(f"{user.username} {url}: {code!r}")
    assert pages > 40 and pdfs >= 2 and summaries >= 1, (pages, pdfs, summaries)
    assert not shown, "codes where a person reads:\n" + "\n".join(sorted(set(shown)))
