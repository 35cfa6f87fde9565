"""Project-level guarantees: production settings, translations, demo data, key bootstrap."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, RoleGrant, User
from accounts.roles import Role
from cases.models import Case, JournalEntry, Person
from cases.words import Activity
from lotsa import bootstrap, keyfile

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_extra, tmp_path):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LOTSA_", "DJANGO_", "SECRET_KEY", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        LOTSA_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env_extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def archive_certificate(directory: Path) -> Path:
    """A self-signed certificate standing for the archive authority's (RSA 3072, valid a day)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stadsarkivet")])
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = directory / "archive.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def test_production_settings_pass_the_deployment_check(tmp_path):
    # The destruction certificates' own key, as generate_keys makes it (without it: retention.W002).
    keyfile.generate_anchor_key(
        tmp_path / "retention-certificate.key", tmp_path / "retention-certificate.pub"
    )
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "SECRET_KEY": "p" + os.urandom(40).hex(),
            "ALLOWED_HOSTS": "lotsa.example.se",
            # Local login only for the break-glass accounts (without it: lotsa.E031, below).
            "LOTSA_BREAK_GLASS_ACCOUNTS": "admin",
            # Passkeys bound to the public host name (without it: lotsa.W035).
            "LOTSA_PASSKEY_RP_ID": "lotsa.example.se",
            # Notifications link to the public address and leave over TLS (without: lotsa.W036, W037).
            "LOTSA_BASE_URL": "https://lotsa.example.se",
            "LOTSA_EMAIL_STARTTLS": "1",
            # Packages for the archive are encrypted to its certificate (without it: retention.W001).
            "LOTSA_ARCHIVE_CERTIFICATE": str(archive_certificate(tmp_path)),
            "LOTSA_ARCHIVE_DIR": str(tmp_path),
        },
        tmp_path=tmp_path,
    )
    # The one issue is the database: SQLite (the default here) is for the demo (audit.W001).
    output = result.stdout + result.stderr
    assert "audit.W001" in output and "identified 1 issue" in output, output


def test_production_without_single_sign_on_or_break_glass_fails_the_deployment_check(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        env_extra={"SECRET_KEY": "p" + os.urandom(40).hex(), "ALLOWED_HOSTS": "lotsa.example.se"},
        tmp_path=tmp_path,
    )
    assert result.returncode != 0 and "lotsa.E031" in result.stderr, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", env_extra={}, tmp_path=tmp_path)
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked():
    assert settings.DEBUG is False


def test_every_swedish_message_is_translated():
    catalogue = polib.pofile(str(ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"))
    assert catalogue.percent_translated() == 100, [e.msgid for e in catalogue.untranslated_entries()]
    assert not catalogue.fuzzy_entries()
    assert settings.LANGUAGE_CODE == "sv"


def test_bootstrap_creates_keys_once_and_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.setenv("LOTSA_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("LOTSA_KEY_FILE", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    monkeypatch.delenv("LOTSA_RETENTION_CERTIFICATE_KEY_FILE", raising=False)
    monkeypatch.delenv("LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE", raising=False)
    bootstrap.main()
    keys, secret = tmp_path / "keys.json", tmp_path / "secret_key"
    certificate = tmp_path / "retention-certificate.key"  # the destruction certificates' own key
    first = keys.read_bytes(), secret.read_bytes(), certificate.read_bytes()
    assert oct(keys.stat().st_mode & 0o777) == "0o600" and oct(secret.stat().st_mode & 0o777) == "0o600"
    assert oct(certificate.stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "retention-certificate.pub").exists()
    bootstrap.main()
    assert (keys.read_bytes(), secret.read_bytes(), certificate.read_bytes()) == first


def test_keys_are_outside_git():
    ignored = subprocess.run(
        ["git", "check-ignore", "var/keys.json", "var/secret_key"], cwd=ROOT, capture_output=True, text=True
    )
    assert ignored.stdout.split() == ["var/keys.json", "var/secret_key"]


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_demo_only(capsys):
    with pytest.raises(CommandError, match="demo mode"):
        call_command("load_demo")
    with override_settings(DEMO_MODE=True):
        call_command("load_demo")
        counts = (
            Organisation.objects.count(),
            User.objects.count(),
            Person.objects.count(),
            Case.objects.count(),
        )
        call_command("load_demo")
        assert counts == (
            Organisation.objects.count(),
            User.objects.count(),
            Person.objects.count(),
            Case.objects.count(),
        )
    districts = Organisation.objects.filter(kind="district_administration").values_list("district", flat=True)
    assert set(districts) == {"Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby"}
    assert set(RoleGrant.objects.values_list("role", flat=True)) == set(Role.values)
    assert TOTPDevice.objects.filter(confirmed=True).count() == User.objects.count()
    # Cecilia Exempelsson, in her district and in the defector programme (protection travels with her);
    # Jamal Provsson, raised by the programme and so in Rinkeby-Kista's record too (it follows him).
    assert Person.objects.filter(protected_identity="protected_registration").count() == 4
    protected = Person.objects.filter(protected_identity="protected_registration")
    by_decision = {}
    for decision, unit_kind, raised_by_kind in protected.values_list(
        "protection_decision", "organisation__kind", "protection_raised_by__kind"
    ):
        by_decision.setdefault(decision, []).append((unit_kind, raised_by_kind))
    assert sorted(map(len, by_decision.values())) == [2, 2]  # one decision each, in both their units
    assert ("district_administration", "defector_programme") in [r for rs in by_decision.values() for r in rs]
    assert Case.objects.count() >= 12
    assert set(Case.objects.values_list("owner_unit__district", flat=True)) - {""} == set(districts)
    from cases.models import Handover
    from defectors.gate import gate_for

    programme = Case.objects.filter(owner_unit__kind="defector_programme").order_by("opened_at")
    assert programme.count() == 2  # one with the gate open and a placement, one with two items missing
    assert [gate_for(case).held for case in programme] == [5, 3]
    assert Handover.objects.overdue().count() == 1
    assert set(Case.objects.values_list("activity", flat=True)) == set(Activity.values)
    # One district case closed, and the VBE team's earlier first contacts, met and closed (the
    # coordinator's indicator of accepted help has three years to show).
    assert Case.objects.filter(status="closed").exclude(activity=Activity.VBE_FIRST_CONTACT).count() == 1
    history = Case.objects.filter(status="closed", activity=Activity.VBE_FIRST_CONTACT)
    assert history.count() == 48
    from coordination.indicators import INDICATORS, indicator_result

    accepted = next(i for i in INDICATORS if i.key == "first_contact_accepted")
    year = timezone.localdate().year
    shares = [indicator_result(accepted, y).total.share for y in (year - 2, year - 1, year)]
    assert None not in shares and shares == sorted(shares)
    assert JournalEntry.objects.filter(signed_at__isnull=False).count() >= 12
    from consent.models import Consent

    # Adam's, one for each intervention group, and for the defector programme: three in the districts
    # (each hand-over) and two in the programme (naming BOPS); and Oskar Demoson's for his hand-over from
    # the VBE team to Rinkeby-Kista; and Jamal's two for his threat picture (the group's and the
    # programme's, each letting threat and protection cross to the other); and the two moves' (Linus
    # Flyttsson's between districts, Tove Hemvändsdotter's back to the district); and Omar Frågesson's
    # move, naming Rinkeby-Kista, under which it asks Spånga-Tensta for a hand-over.
    assert Consent.objects.count() == 3 + 5 + 1 + 1 + 2 + 2 + 1  # and Maria Testsson's for relative support
    from consent import policy

    # Nora Prövare's guardians consented for her group: she comes of age within the warning period.
    nora = Consent.objects.get(child_at_consent=True)
    assert 0 < (nora.adult_on - timezone.localdate()).days <= settings.LOTSA_MAJORITY_WARNING_DAYS
    assert policy.sharing_pauses_on(person_id=nora.person_id, purpose="intervention_group") == nora.adult_on
    assert Case.objects.filter(youth_unit_ends_on__isnull=False).exists()
    from cases.models import ConcernReport, FirstContact

    current = FirstContact.objects.exclude(case__status="closed")
    assert current.count() == 3 and FirstContact.objects.count() == 3 + 48
    assert sorted(current.values_list("meetings__outcome", flat=True)) == [
        "accepted_help",
        "declined",
        "other_help",
    ]
    assert ConcernReport.objects.get().child_case.activity == "child_concern"
    from sig.models import InterventionGroup

    groups = InterventionGroup.objects.all()
    assert sorted(g.band for g in groups) == ["young", "young_adults", "young_adults"]
    assert all(g.status == "active" and g.meetings.exists() and g.goals.exists() for g in groups)
    # Elin's and Nora's re-assessments have fallen due; Jamal's group assessed him lately.
    assert sorted(g.assessments.first().reassessment_overdue for g in groups) == [False, True, True]
    # One person, one threat picture: Jamal's group shows BOPS's latest assessment to its coordinator,
    # and the programme's page the police's latest in the group.
    from defectors.selectors import group_assessment_for
    from sig.selectors import programme_assessment_for

    jamals = next(g for g in groups if not g.assessments.first().reassessment_overdue)
    coordinator = User.objects.get(username="socialsekreterare.rk")
    lena = User.objects.get(username="avhopparverksamheten")
    assert programme_assessment_for(user=coordinator, group=jamals).level == "high"
    assert group_assessment_for(user=lena, case=programme.first()).level == "elevated"  # Jamal's case
    output = capsys.readouterr().out
    assert "TOTP secret" in output and "Lotsa-demo-2026" in output


@pytest.mark.django_db
def test_demo_code_refuses_outside_demo_mode():
    with pytest.raises(CommandError, match="demo mode"):
        call_command("demo_code", "anyone")


KERNEL = ("lotsa", "accounts", "audit")
DOMAIN = (
    "cases",
    "consent",
    "sig",
    "defectors",
    "relatives",
    "supervision",
    "coordination",
    "retention",
    "demo",
    "bench",
    "config",
    "tests",
)


def _is_an_apps_tests(path) -> bool:
    """An app's own tests (``<app>/tests/``) stand beside the app, not in it: like the cross-app suites
    in tests/, they may use the shared factories and fixtures, which build a world of every app."""
    return "tests" in path.resolve().relative_to(Path(__file__).resolve().parent.parent).parts[1:]


def test_the_kernel_imports_no_domain_app():
    """lotsa/, accounts/ and audit/ stay at the bottom: no import of an app above them, at any depth
    of a module (url includes and settings name apps by string, which is not an import)."""
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    offences = []
    for package in KERNEL:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts or _is_an_apps_tests(path):
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    if name.split(".")[0] in DOMAIN:
                        offences.append(f"{path.relative_to(root)}:{node.lineno} imports {name}")
    assert not offences, offences


# --- The import contract -------------------------------------------------------------------------
# The kernel (lotsa/, accounts/, audit/) is at the bottom; the domain apps sit on it and reach each other
# only through doors and published words; the shell (config/) and the tools (demo/, bench/, tests/)
# sit on top and may import anything. Nothing imports the shell or the tools.
APPS = ("cases", "consent", "sig", "defectors", "relatives", "supervision", "coordination", "retention")
OUTER = ("config", "demo", "bench", "tests")
# What one domain app may import of another: its doors (selectors), its acts (services), the reads that
# trust a decision already made (queries), its policies (access, policy), and the words and events it
# publishes (consent's legal grounds, the personal identity number's rules and field, cases' signals and
# words: a case's activity, target group, milieu, status, close reason, a person's protected identity,
# where a hand-over came from), and the base every personal record is built on (cases.records: it holds
# the person, so it lives beside them). The door is the last part of the module's name, so that a
# sub-domain package of an app has doors of the same names (cases.handovers.services and
# cases.handovers.words are doors; cases.handovers.models and cases.handovers are not).
PUBLIC_MODULES = (
    "selectors",
    "services",
    "queries",
    "access",
    "policy",
    "grounds",
    "personal_number",
    "signals",
    "records",
    "words",
)
# The documented exceptions: a domain app reaching into another app's models, each with why, keyed by
# the importing module and the whole name of the module it imports. Everything else goes through a door:
# a case or a person another app decides on is found through cases.queries (and decided by the caller),
# a policy asks cases.queries which cases the case policy shows, a code is a published word
# (cases.words, cases.handovers.words). A new edge fails the test; an edge that is gone fails it too, so
# the list only shrinks.
CROSS_APP_EXCEPTIONS = {
    # The coordinator's indicators count codes (activities, outcomes, statuses) over whole tables,
    # de-identified and suppressed; they read no person and go through no door on purpose.
    ("coordination.indicators", "cases.models"): "indicators count codes over the cases' tables",
    ("coordination.indicators", "sig.models"): "indicators count codes over the groups' tables",
    ("coordination.indicators", "defectors.models"): "indicators count follow-ups over the programme",
    # A proxy model is built on the class itself: the person, as the subject of their own access log.
    ("supervision.models", "cases.models"): "PersonAccessLog is a proxy of the person",
}
# Imports inside functions, where they are truly needed: an AppConfig's ready() runs when the apps are
# loaded, and imports what cannot be imported before.
# bench is outside this rule: its entry points set Django up before they import a model.
FUNCTION_IMPORT_EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _python_files(packages):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts and not _is_an_apps_tests(path):
                yield path


def _imports(path: Path):
    """(line, imported module, function name or None) for every import of the project's own code;
    ``from app import module`` names the module."""
    import ast

    tree = ast.parse(path.read_text(), filename=str(path))
    inside: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom) and id(inner) not in inside:
                    inside[id(inner)] = node.name
    own = (*KERNEL, *APPS, *OUTER)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = []
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                as_path = ROOT.joinpath(*candidate.split("."))
                is_module = as_path.with_suffix(".py").exists() or (as_path / "__init__.py").exists()
                names.append(candidate if is_module else node.module)
        else:
            continue
        for name in dict.fromkeys(names):
            if name.split(".")[0] in own:
                yield node.lineno, name, inside.get(id(node))


def test_the_import_graph_has_no_cycle_at_import_time():
    """Module-level imports of the project's own modules form no cycle: what a module needs at import
    time is below it. (A function-level import is not part of this graph; see the next test.)"""
    graph: dict[str, set[str]] = {}
    for path in _python_files((*KERNEL, *APPS, *OUTER)):
        module = _module_name(path)
        graph.setdefault(module, set())
        for _line, name, function in _imports(path):
            if function is None and name != module:
                graph[module].add(name)
    cycles, state = [], {}

    def visit(module, stack):
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*stack[stack.index(target) :], target]))
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_import_hides_inside_a_function():
    """Imports sit at the top of the module, where a reader sees what it depends on; only an AppConfig's
    ready() and the documented exceptions import inside a function."""
    found, used = [], set()
    for path in _python_files((*KERNEL, *APPS, "config", "demo")):
        relative = str(path.relative_to(ROOT))
        for line, name, function in _imports(path):
            if function is None or (path.name == "apps.py" and function == "ready"):
                continue
            if (relative, function) in FUNCTION_IMPORT_EXCEPTIONS:
                used.add((relative, function))
                continue
            found.append(f"{relative}:{line} {function}() imports {name}")
    assert not found, "imports inside functions:\n" + "\n".join(found)
    assert used == set(FUNCTION_IMPORT_EXCEPTIONS), set(FUNCTION_IMPORT_EXCEPTIONS) - used


def test_a_domain_app_reaches_another_only_through_its_doors():
    """A domain app imports another domain app only from its selectors, services, queries, policies and
    published words, or through a documented exception; no kernel module imports a domain app, the
    shell or a tool; nothing imports the shell or a tool but the shell and the tools."""
    offences, used = [], set()
    for path in _python_files((*KERNEL, *APPS, *OUTER)):
        module = _module_name(path)
        app = module.split(".")[0]
        for line, name, _function in _imports(path):
            target_app = name.split(".")[0]
            where = f"{path.relative_to(ROOT)}:{line} {module} -> {name}"
            if app in KERNEL and target_app not in KERNEL:
                offences.append(f"{where} (the kernel imports above itself)")
            elif app in APPS and target_app in OUTER:
                offences.append(f"{where} (a domain app imports the shell or a tool)")
            elif app in APPS and target_app in APPS and target_app != app:
                parts = name.split(".")
                if len(parts) > 1 and parts[-1] in PUBLIC_MODULES:
                    continue
                key = (module, name)
                if key in CROSS_APP_EXCEPTIONS:
                    used.add(key)
                    continue
                offences.append(f"{where} (not a door: selectors, services, queries, policies or words)")
    assert not offences, "import contract broken:\n" + "\n".join(offences)
    stale = set(CROSS_APP_EXCEPTIONS) - used
    assert not stale, f"exceptions no longer needed, remove them: {sorted(stale)}"


# Sub-domain packages inside an app (one package per concept, the app label unchanged). The app's core
# (its other modules) is below them: it imports a sub-domain only in models.py, where Django registers
# the sub-domain's models with the app, and in urls.py, which routes its pages.
SUB_DOMAINS = {"cases": ("handovers", "first_contacts")}
CORE_MODULES_NAMING_SUB_DOMAINS = ("models", "urls")


def test_a_sub_domain_sits_on_its_apps_core_and_apart_from_its_siblings():
    """A sub-domain imports its app's core and itself, never a sibling sub-domain; the core imports a
    sub-domain only to register its models and route its pages. Every declared sub-domain exists."""
    offences = []
    for app, subs in SUB_DOMAINS.items():
        assert all((ROOT / app / sub / "__init__.py").exists() for sub in subs), subs
        for path in _python_files((app,)):
            module = _module_name(path)
            here = module.split(".")[1] if module.count(".") else None
            for line, name, _function in _imports(path):
                parts = name.split(".")
                if parts[0] != app or len(parts) < 2 or parts[1] not in subs or parts[1] == here:
                    continue
                where = f"{path.relative_to(ROOT)}:{line} {module} -> {name}"
                if here in subs:
                    offences.append(f"{where} (a sub-domain imports a sibling)")
                elif module not in {f"{app}.{core}" for core in CORE_MODULES_NAMING_SUB_DOMAINS}:
                    offences.append(f"{where} (the app's core imports a sub-domain)")
    assert not offences, "sub-domains out of place:\n" + "\n".join(offences)


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    """A choice or field changed without its migration would be migrated nowhere but here."""
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        raise AssertionError(out.getvalue()) from exit_


def _view_modules():
    """Every views.py of the project's own (wherever its shell lives), an app's or one of its
    sub-domain packages' (cases/handovers/views.py), at any depth."""
    tops = [top for top in ROOT.iterdir() if top.is_dir() and not top.name.startswith((".", "build"))]
    return sorted(path for top in tops for path in top.rglob("views.py") if "migrations" not in path.parts)


def _body_lines(function) -> int:
    """A function's length: its body, docstring included, decorators and signature not."""
    return function.end_lineno - function.body[0].lineno + 1


def test_views_stay_thin():
    """Views parse, call one service or selector (through lotsa.posting when they post), and render.
    Issue 27 found 14 view functions over 25 lines and 52 over 15 (measured as here: every function in
    a views.py, by its body's lines); half of each is the most there may be."""
    import ast

    lengths = {}
    for path in _view_modules():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lengths[f"{_module_name(path.parent)}.{node.name}"] = _body_lines(node)
    over_25 = sorted(name for name, lines in lengths.items() if lines > 25)
    over_15 = sorted(name for name, lines in lengths.items() if lines > 15)
    assert len(over_25) <= 7, over_25
    assert len(over_15) <= 26, over_15


def test_no_view_catches_a_domain_error():
    """A service's refusal becomes what the user sees in one place, lotsa.posting (a Conflict the 409
    page, any other DomainError a message): no view catches a DomainError, a subclass of it, or
    anything that would catch one (Exception), by whatever name it is imported."""
    import ast
    import importlib

    from django.apps import apps

    from lotsa.errors import DomainError

    def catches_a_refusal(caught) -> bool:
        kinds = caught if isinstance(caught, tuple) else (caught,)
        return any(
            isinstance(kind, type) and (issubclass(kind, DomainError) or issubclass(DomainError, kind))
            for kind in kinds
        )

    def subclasses(kind):
        return {kind, *(sub for child in kind.__subclasses__() for sub in subclasses(child))}

    refusal_names = {kind.__name__ for kind in subclasses(DomainError)} | {"Exception", "BaseException"}

    def caught_by_name(handler) -> bool:  # a views.py of an app not installed here (bench/)
        names = handler.elts if isinstance(handler, ast.Tuple) else [handler]
        return any(ast.unparse(name).split(".")[-1] in refusal_names for name in names)

    offences = []
    for path in _view_modules():
        name = _module_name(path)
        module = importlib.import_module(name) if apps.is_installed(name.split(".")[0]) else None
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ExceptHandler):
                continue
            if node.type is None:
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} bare except")
                continue
            if module is None:
                refused = caught_by_name(node.type)
            else:
                caught = eval(compile(ast.Expression(node.type), str(path), "eval"), vars(module))  # noqa: S307
                refused = catches_a_refusal(caught)
            if refused:
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} except {ast.unparse(node.type)}")
    assert not offences, offences


def test_every_date_field_uses_the_one_date_input():
    """One date input (lotsa.forms.DateInput, the browser's date picker) for every date in every form:
    no app defines its own, and no date field falls back to Django's text box."""
    import importlib
    import inspect

    from django import forms as django_forms

    from lotsa.forms import DateInput

    offences, seen = [], 0
    for path in sorted([*ROOT.glob("*/forms.py"), *ROOT.glob("*/*/forms.py")]):
        if ".venv" in path.parts or "build" in path.parts:
            continue
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            if issubclass(cls, django_forms.DateInput) and cls is not DateInput:
                offences.append(f"{module.__name__}.{name} is a date input of its own")
            if issubclass(cls, django_forms.BaseForm):
                for field_name, field in cls.base_fields.items():
                    if isinstance(field, django_forms.DateField):
                        seen += 1
                        if not isinstance(field.widget, DateInput):
                            offences.append(f"{module.__name__}.{name}.{field_name}")
    # The lists' filters (lotsa.listing, on django-filter) build their forms from their filters.
    import django_filters

    lists = 0
    for path in sorted([*ROOT.glob("*/filters.py"), *ROOT.glob("*/*/filters.py")]):
        if ".venv" in path.parts or "build" in path.parts:
            continue
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, django_filters.FilterSet):
                continue
            for filter_name, flt in cls.base_filters.items():
                if issubclass(flt.field_class, django_forms.DateField):
                    lists += 1
                    widget = flt.extra.get("widget")
                    if not (isinstance(widget, type) and issubclass(widget, DateInput)):
                        offences.append(f"{module.__name__}.{name}.{filter_name}")
    assert seen > 10, "the forms' date fields were not found"
    assert lists >= 8, "the lists' date filters were not found"
    assert not offences, offences


def test_every_pdf_goes_through_the_one_pdf_response():
    """A PDF of personal data leaves through lotsa.pdf.response (named by no one, never cached): no
    view builds a PDF response of its own (the supervision and coordination PDFs did)."""
    offences = [
        str(path.relative_to(ROOT))
        for path in _view_modules()
        if "application/pdf" in path.read_text() or ".pdf'" in path.read_text()
    ]
    assert not offences, offences
