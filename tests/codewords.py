"""Every code the code base can write into the access log's purpose, reason and legal-ground columns,
found by reading the source (not from a hand-kept list): the words test checks that each has words
(audit.vocabulary), and the pages test looks for them where a person reads.

What is written there comes from a few kinds of call, the *sinks*: ``access.check(..., purpose=)``
and its siblings, ``Decision.allow(reason, ground=)`` / ``Decision.deny(reason)``, ``audit.record(...,
reason=, legal_ground=)``, ``audit.Event(...)``. Every value given to a sink is resolved here:

* a string → a code; an f-string, or a string joined with ``+`` → a *pattern* (its literal parts
  with ``{}`` for each placeholder), which the vocabulary must know by the same shape;
* a conditional → both branches; a slice of a string → the string;
* a module's constant (``ACCESS_REVIEW``, ``policy.NO_GROUND``, ``Purpose.INTERVENTION_GROUP``) →
  its value, read from the imported module;
* a function that hands its ``**keywords`` on to a sink is a sink too;
* a local variable → every value assigned to it in the function; a parameter → every argument given
  for it by the calls in the same module (a parameter named like the sink's keyword, with no such call
  in its module, passes on what its callers give: those callers are sinks of their own);
* anything else must be listed in ``PASS_THROUGH`` with what it carries, or the scan fails.

``purpose=`` is read at every call (a purpose is handed down through selectors and services before
it reaches ``access``); the other columns only at the sinks.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What writes to the access log: the kernel, the domain apps and the demo's scenes (which replay a
# history into the demo's log). Not the benchmarks (their log is thrown away) nor the tests.
PACKAGES = (
    "lotsa",
    "accounts",
    "audit",
    "cases",
    "consent",
    "sig",
    "defectors",
    "relatives",
    "supervision",
    "coordination",
    "demo",
)
# keyword -> column, for the calls that write a column of the log.
SINKS = {
    "check": {"purpose": "purpose"},
    "check_as_shown": {"purpose": "purpose", "changed": "reason"},
    "require_role": {"purpose": "purpose"},
    "record_list": {"purpose": "purpose"},
    "record": {"purpose": "purpose", "reason": "reason", "legal_ground": "ground"},
    "record_denial": {"purpose": "purpose", "reason": "reason", "legal_ground": "ground"},
    "Event": {"purpose": "purpose", "reason": "reason", "legal_ground": "ground"},
    "_record_decision": {"purpose": "purpose", "reason": "reason", "legal_ground": "ground"},
    "allow": {"ground": "ground"},
}
DECISIONS = ("allow", "deny")  # Decision.allow(reason, ...) / Decision.deny(reason)

# Values that carry what another sink wrote or chose, each with what it is. A new one fails the scan
# until it is explained here.
PASS_THROUGH = {
    "decision.reason": "a decision's reason, written where the decision was made (Decision.allow/deny)",
    "decision.ground": "a decision's ground, written where the decision was made (Decision.allow)",
    "denial.decision.reason": "a denial's reason, written where it was decided",
    "denial.purpose": "the purpose of a denial, given to access.check by its caller",
    "sending.ground": "the ground of the sending side's decision (Decision.allow)",
    "ground.citation": "the citation of a legal ground (consent.grounds), shown as cited",
    "ground.code": "a legal ground's code (consent.grounds), which has words of its own",
    "handover.purpose": "a hand-over's purpose: one of lotsa.vocabulary.Purpose",
    "handover_purpose": "a hand-over purpose (lotsa.vocabulary.Purpose) the overdue query filters on "
    "(cases.handovers.models), not a column of the log",
    "tuple(purposes)": "hand-over purposes (lotsa.vocabulary.Purpose) a consent query filters on, "
    "not a column of the log (consent.policy.purposes_consented)",
    "terms.purpose": "a consent's purpose: one of lotsa.vocabulary.Purpose",
    "data['purpose']": "a consent form's purpose: one of lotsa.vocabulary.Purpose",
    "str(event.purpose)[:100]": "the access log's own copy of an event's purpose",
    "str(event.legal_ground)[:100]": "the access log's own copy of an event's ground",
    "str(event.reason)[:300]": "the access log's own copy of an event's reason",
    "anchors.memo(record, private)": "the anchor file's signed record, kept by the log's memory of anchors",
    "how.describe()": "how a login was made (accounts.services.LoginMethod): a method code with words "
    "in audit.vocabulary, then the single sign-on provider and assurance level as the provider named them",
    "proposal.reason": "a case-closing reason (cases.CloseReason), not a column of the log",
}


@dataclass
class Found:
    """What the scan found: codes and patterns by column (purpose, reason, ground), with where."""

    codes: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    patterns: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)

    def add(self, column: str, kind: str, value: str, where: str) -> None:
        table = self.codes if kind == "code" else self.patterns
        table.setdefault(column, {}).setdefault(value, set()).add(where)


class _Unresolved(Exception):
    pass


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            inside = path.relative_to(ROOT).parts
            if "migrations" in inside or "tests" in inside[1:]:
                continue
            yield path


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _pattern_of(node) -> str | None:
    """The literal shape of an f-string, or of strings joined with ``+``: literal parts, ``{}`` for the
    rest. None when ``node`` is neither."""
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        sides = []
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant) and isinstance(side.value, str):
                sides.append(side.value)
            else:
                sides.append(_pattern_of(side) or "{}")
        return "".join(sides)
    return None


class _Module:
    def __init__(self, path: Path):
        self.path = path
        self.name = _module_name(path)
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.globals = vars(importlib.import_module(self.name))
        self.functions: dict[str, ast.FunctionDef] = {}
        self.parents: dict[int, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(node.name, node)

    def where(self, node) -> str:
        return f"{self.path.relative_to(ROOT)}:{node.lineno}"

    def function_of(self, node):
        parent = self.parents.get(id(node))
        while parent is not None and not isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
            parent = self.parents.get(id(parent))
        return parent

    def resolve(self, node, function, keyword: str, seen: frozenset = frozenset()) -> list[tuple[str, str]]:
        """(kind, value) for every value ``node`` can hold: ("code", text) or ("pattern", shape)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [("code", node.value)] if node.value else []
        if isinstance(node, ast.Constant) and node.value is None:
            return []
        shape = _pattern_of(node)
        if shape is not None:
            return [("pattern", shape)] if "{}" in shape else [("code", shape)]
        if isinstance(node, ast.IfExp):
            return self.resolve(node.body, function, keyword, seen) + self.resolve(
                node.orelse, function, keyword, seen
            )
        text = ast.unparse(node)
        if text in PASS_THROUGH:
            return []
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            return self.resolve(node.value, function, keyword, seen)
        if isinstance(node, ast.Name):
            return self._name(node, function, keyword, seen)
        if isinstance(node, ast.Call) and _callee(node) == "getattr" and len(node.args) == 3:
            # getattr(request, "attribute", default): the default and whatever is set on it anywhere.
            attribute = node.args[1].value
            values = self.resolve(node.args[2], function, keyword, seen)
            for module, value, where in ATTRIBUTES.get(attribute, []):
                values += module.resolve(value, where, keyword, seen)
            return values
        if isinstance(node, ast.Attribute):
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and not self._local(root.id, function):
                value = eval(text, self.globals)  # noqa: S307 (a module's constant, as the module holds it)
                if isinstance(value, str):
                    return [("code", str(value))] if value else []
        raise _Unresolved(f"{self.where(node)} {text}")

    def _local(self, name: str, function) -> bool:
        if function is None:
            return False
        arguments = function.args
        params = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
        if name in params:
            return True
        return any(
            isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
            for node in ast.walk(function)
        )

    def _name(self, node: ast.Name, function, keyword: str, seen: frozenset) -> list[tuple[str, str]]:
        name = node.id
        if function is not None and (function.name, name) in seen:
            return []
        if function is not None:
            arguments = function.args
            positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
            keywords = [a.arg for a in arguments.kwonlyargs]
            if name in positional or name in keywords:
                return self._arguments(function, name, positional, keyword, seen | {(function.name, name)})
            assigned = [
                assign.value
                for assign in ast.walk(function)
                if isinstance(assign, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in assign.targets)
            ]
            looped = [
                loop.iter
                for loop in ast.walk(function)
                if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name) and loop.target.id == name
            ]
            for each in looped:
                items = eval(ast.unparse(each), self.globals)  # noqa: S307 (a module's constant list)
                return [("code", str(item)) for item in items if item]
            if assigned:
                values = []
                for value in assigned:
                    values += self.resolve(value, function, keyword, seen | {(function.name, name)})
                return values
        if name in self.globals and isinstance(self.globals[name], str):
            value = self.globals[name]
            return [("code", str(value))] if value else []
        raise _Unresolved(f"{self.where(node)} {name}")

    def _arguments(self, function, name, positional, keyword, seen) -> list[tuple[str, str]]:
        """What the calls in this module give for parameter ``name`` of ``function``."""
        index = positional.index(name) if name in positional else None
        if index is not None and positional and positional[0] in ("self", "cls"):
            index -= 1
        values, calls = [], 0
        for call in ast.walk(self.tree):
            if not isinstance(call, ast.Call) or _callee(call) != function.name:
                continue
            calls += 1
            caller = self.function_of(call)
            given = [k.value for k in call.keywords if k.arg == name]
            if not given and index is not None and index < len(call.args):
                given = [call.args[index]]
            for value in given:
                values += self.resolve(value, caller, keyword, seen)
        if not calls and name == keyword:
            return []  # handed on from callers elsewhere, which are sinks of their own
        if not calls:
            raise _Unresolved(f"{self.where(function)} parameter {name} of {function.name}()")
        return values


def _forwarders(module: _Module) -> dict[str, dict[str, str]]:
    """Functions of the module that hand their keyword arguments on to a sink (``**fields``): sinks
    too (the demo's replay of a history writes events so)."""
    found = {}
    for function in module.functions.values():
        kwarg = function.args.kwarg
        if kwarg is None:
            continue
        for call in ast.walk(function):
            if isinstance(call, ast.Call) and _callee(call) in SINKS:
                if any(
                    k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwarg.arg
                    for k in call.keywords
                ):
                    found[function.name] = SINKS[_callee(call)]
    return found


ATTRIBUTES: dict[str, list] = {}  # attribute name -> (module, value, function) of each assignment to it


def scan() -> Found:
    found = Found()
    modules = [_Module(path) for path in _files()]
    ATTRIBUTES.clear()
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Attribute):
                        ATTRIBUTES.setdefault(target.attr, []).append(
                            (module, node.value, module.function_of(node))
                        )
    for module in modules:
        forwarders = _forwarders(module)
        for call in ast.walk(module.tree):
            if not isinstance(call, ast.Call):
                continue
            callee = _callee(call)
            given = []
            columns = dict(SINKS.get(callee, forwarders.get(callee, {})))
            for keyword in call.keywords:
                if keyword.arg == "purpose" or keyword.arg in columns:
                    given.append((columns.get(keyword.arg, "purpose"), keyword.arg, keyword.value))
            function_text = ast.unparse(call.func)
            if callee in DECISIONS and function_text.endswith(f"Decision.{callee}") and call.args:
                given.append(("reason", "reason", call.args[0]))
            for column, keyword, value in given:
                function = module.function_of(call)
                try:
                    for kind, text in module.resolve(value, function, keyword):
                        found.add(column, kind, text, module.where(call))
                except _Unresolved as unresolved:
                    found.unresolved.append(f"{column}: {unresolved}")
    return found
