"""Policy documents: parsed and normalized once.

Action, Resource, Principal and Condition come in several JSON shapes (a string or a list, a Statement
object or a list of them, ``"*"`` or ``{"AWS": ...}``). They are normalized here, when a ``Policy`` is
built, so the evaluator sees one shape. Malformed documents raise ``InputError`` naming the source, the
line when known, and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mfaguard.errors import InputError
from mfaguard.policy.conditions import Condition, ConditionValueError, parse_condition
from mfaguard.policy.patterns import Pattern, parse_pattern

__all__ = ["Policy", "PolicyKind", "PrincipalSpec", "Statement", "parse_policy"]

PolicyKind = Literal["identity", "resource", "trust", "boundary"]
VERSIONS = ("2012-10-17", "2008-10-17")
_STATEMENT_KEYS = {
    "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
    "Condition",
}
_ACTION_RE = re.compile(r"^[A-Za-z0-9*?_.\-]+:[A-Za-z0-9*?_\-]+$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """The Principal (or NotPrincipal) element: ``anyone`` for ``"*"``, else values per kind."""

    anyone: bool = False
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical: tuple[str, ...] = ()

    def to_json(self) -> Any:
        if self.anyone:
            return "*"
        out: dict[str, Any] = {}
        for name, vals in (("AWS", self.aws), ("Service", self.service), ("Federated", self.federated),
                           ("CanonicalUser", self.canonical)):
            if vals:
                out[name] = list(vals) if len(vals) > 1 else vals[0]
        return out


@dataclass(frozen=True, slots=True)
class Statement:
    effect: Literal["Allow", "Deny"]
    actions: tuple[Pattern, ...]
    not_action: bool
    resources: tuple[Pattern, ...] | None  # None: the element is absent (trust policies)
    not_resource: bool
    principal: PrincipalSpec | None
    not_principal: bool
    conditions: tuple[Condition, ...]
    sid: str
    index: int
    policy: str  # the policy's label, for reports
    raw: Mapping[str, Any] = field(compare=False, repr=False)
    # Literal actions as a set, wildcard ones as patterns (AWS managed policies list thousands).
    action_set: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # Wildcard actions by their (literal) service prefix; "" holds those with a wildcard service.
    action_wild: Mapping[str, tuple[Pattern, ...]] = field(default_factory=dict, compare=False, repr=False)
    # action (lower case) -> does Action/NotAction match; filled as requests come (sweeps repeat them).
    action_memo: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def matches_action(self, action: str) -> bool:
        """``action`` in lower case. True when the Action element names it (NotAction: does not)."""
        hit = self.action_memo.get(action)
        if hit is None:
            named = action in self.action_set
            if not named and self.action_wild:
                service = action.partition(":")[0]
                named = any(p.matches(action) for p in self.action_wild.get(service, ())) or any(
                    p.matches(action) for p in self.action_wild.get("", ())
                )
            hit = self.action_memo[action] = named != self.not_action
        return hit

    @property
    def label(self) -> str:
        return f"{self.policy}#{self.sid or f'Statement[{self.index}]'}"

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "sid": self.sid, "index": self.index, "effect": self.effect}


@dataclass(frozen=True, slots=True)
class Policy:
    name: str  # label used in reports: a policy ARN, "group/dev inline policy x", a Terraform address...
    version: str | None  # the policy language Version element
    statements: tuple[Statement, ...]
    kind: PolicyKind = "identity"
    policy_version: str = ""  # a managed policy's version id (v1, v12...), when known
    source: str = ""  # where it was read from (file, Terraform address, account)

    @property
    def variables(self) -> bool:
        return self.version == "2012-10-17"


def parse_policy(
    document: str | bytes | Mapping[str, Any],
    *,
    name: str = "policy",
    kind: PolicyKind = "identity",
    source: str = "",
    policy_version: str = "",
) -> Policy:
    """Parse a policy from JSON text or an already-decoded mapping."""
    text: str | None = None
    where = source or name
    if isinstance(document, (str, bytes)):
        text = document.decode() if isinstance(document, bytes) else document
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"policy is not valid JSON: {exc.msg} (column {exc.colno})",
                path=where, line=exc.lineno, hint="check quotes, commas and brackets near that line",
            ) from None
    else:
        doc = document
    if not isinstance(doc, Mapping):
        raise InputError("a policy must be a JSON object with a Statement", path=where)

    def fail(msg: str, fld: str, sid: str = "", hint: str = "") -> InputError:
        return InputError(msg, path=where, line=_line_of(text, sid), field=fld, hint=hint)

    unknown_top = set(doc) - {"Version", "Id", "Statement"}
    if unknown_top:
        raise fail(f"unknown element(s) {sorted(unknown_top)}", sorted(unknown_top)[0],
                   hint="a policy has only Version, Id and Statement")
    version = doc.get("Version")
    if version is not None and version not in VERSIONS:
        raise fail(f"unknown policy language Version {version!r}", "Version", hint="use \"2012-10-17\"")
    raw_statements = doc.get("Statement")
    if raw_statements is None:
        raise fail("missing Statement", "Statement")
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list) or not raw_statements:
        raise fail("Statement must be an object or a non-empty list of objects", "Statement")
    variables = version == "2012-10-17"
    statements = []
    for i, raw in enumerate(raw_statements):
        fld = f"Statement[{i}]"
        if not isinstance(raw, Mapping):
            raise fail("each statement must be a JSON object", fld)
        sid = raw.get("Sid", "")
        if not isinstance(sid, str):
            raise fail("Sid must be a string", f"{fld}.Sid")
        try:
            statements.append(_parse_statement(raw, i, name, kind, variables))
        except _FieldError as exc:
            raise fail(exc.message, f"{fld}.{exc.field}" if exc.field else fld, sid, exc.hint) from None
    return Policy(name=name, version=version, statements=tuple(statements), kind=kind,
                  policy_version=policy_version, source=source)


class _FieldError(Exception):
    def __init__(self, message: str, fld: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message, self.field, self.hint = message, fld, hint


def _strings(value: Any, fld: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _FieldError("must not be an empty list", fld)
    for item in items:
        if not isinstance(item, str):
            raise _FieldError(f"must be a string or a list of strings, found {item!r}", fld)
    return tuple(items)


def _parse_statement(raw: Mapping[str, Any], index: int, policy: str, kind: PolicyKind,
                     variables: bool) -> Statement:
    unknown = set(raw) - _STATEMENT_KEYS
    if unknown:
        first = sorted(unknown)[0]
        raise _FieldError(f"unknown statement element '{first}'", first,
                          hint=f"valid elements: {', '.join(sorted(_STATEMENT_KEYS))}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise _FieldError(f"Effect must be \"Allow\" or \"Deny\", not {effect!r}", "Effect")

    if ("Action" in raw) == ("NotAction" in raw):
        raise _FieldError("a statement needs exactly one of Action or NotAction", "Action")
    afield = "Action" if "Action" in raw else "NotAction"
    actions = []
    for a in _strings(raw[afield], afield):
        if a != "*" and not _ACTION_RE.match(a):
            raise _FieldError(f"'{a}' is not an action (expected service:Action, e.g. iam:GetUser)", afield)
        actions.append(parse_pattern(a.lower(), False))

    resources: tuple[Pattern, ...] | None = None
    not_resource = False
    if "Resource" in raw and "NotResource" in raw:
        raise _FieldError("a statement takes Resource or NotResource, not both", "Resource")
    if "Resource" in raw or "NotResource" in raw:
        rfield = "Resource" if "Resource" in raw else "NotResource"
        not_resource = rfield == "NotResource"
        resources = tuple(parse_pattern(r, variables) for r in _strings(raw[rfield], rfield))
    elif kind in ("identity", "boundary"):
        raise _FieldError("an identity policy statement needs Resource or NotResource", "Resource")

    principal = None
    not_principal = False
    if "Principal" in raw and "NotPrincipal" in raw:
        raise _FieldError("a statement takes Principal or NotPrincipal, not both", "Principal")
    if "Principal" in raw or "NotPrincipal" in raw:
        if kind in ("identity", "boundary"):
            raise _FieldError("identity policies cannot name a Principal", "Principal",
                              hint="Principal belongs in trust and resource policies")
        pfield = "Principal" if "Principal" in raw else "NotPrincipal"
        not_principal = pfield == "NotPrincipal"
        if not_principal and kind == "trust":
            raise _FieldError("a role trust policy cannot use NotPrincipal (AWS rejects it)", pfield,
                              hint="name the trusted principals in Principal; narrow them with a Condition")
        if not_principal and effect == "Allow":
            raise _FieldError("NotPrincipal works only with \"Effect\": \"Deny\" (AWS does not support it with "
                              "Allow)", pfield, hint="name the principals in Principal instead")
        principal = _parse_principal(raw[pfield], pfield)
    elif kind in ("trust", "resource"):
        raise _FieldError("a trust or resource policy statement needs Principal or NotPrincipal",
                          "Principal")

    conditions: list[Condition] = []
    cond = raw.get("Condition", {})
    if not isinstance(cond, Mapping):
        raise _FieldError("Condition must be an object of operator -> {key: value}", "Condition")
    for op, block in cond.items():
        if not isinstance(block, Mapping) or not block:
            raise _FieldError(f"'{op}' must map condition keys to values", f"Condition.{op}")
        for key, value in block.items():
            try:
                conditions.append(parse_condition(op, key, value, variables=variables))
            except ConditionValueError as exc:
                raise _FieldError(str(exc), f"Condition.{op}.{key}",
                                  hint="see the IAM condition operators reference") from None
    return Statement(
        effect=effect, actions=tuple(actions), not_action=afield == "NotAction", resources=resources,
        not_resource=not_resource, principal=principal, not_principal=not_principal,
        conditions=tuple(conditions), sid=raw.get("Sid", ""), index=index, policy=policy, raw=raw,
        action_set=frozenset(p.text for p in actions if not p.wildcard),
        action_wild=_by_service(p for p in actions if p.wildcard),
    )


def _by_service(patterns: Iterable[Pattern]) -> dict[str, tuple[Pattern, ...]]:
    out: dict[str, list[Pattern]] = {}
    for p in patterns:
        service = p.text.partition(":")[0]
        out.setdefault("" if "*" in service or "?" in service or ":" not in p.text else service, []).append(p)
    return {k: tuple(v) for k, v in out.items()}


def _parse_principal(value: Any, fld: str) -> PrincipalSpec:
    if value == "*":
        return PrincipalSpec(anyone=True)
    if not isinstance(value, Mapping) or not value:
        raise _FieldError('must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}', fld)
    kinds: dict[str, tuple[str, ...]] = {}
    for k, v in value.items():
        if k not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise _FieldError(f"unknown principal type '{k}'", f"{fld}.{k}",
                              hint="use AWS, Service, Federated or CanonicalUser")
        vals = _strings(v, f"{fld}.{k}")
        if k == "AWS":
            # A bare account id means that account's root principal.
            vals = tuple(f"arn:aws:iam::{x}:root" if _ACCOUNT_RE.match(x) else x for x in vals)
        kinds[k] = vals
    return PrincipalSpec(
        anyone=False, aws=kinds.get("AWS", ()), service=kinds.get("Service", ()),
        federated=kinds.get("Federated", ()), canonical=kinds.get("CanonicalUser", ()),
    )


def _line_of(text: str | None, sid: str) -> int | None:
    """Best effort: the line of the statement's Sid in the source text."""
    if not text or not sid:
        return None
    idx = text.find(json.dumps(sid))
    return text.count("\n", 0, idx) + 1 if idx >= 0 else None
