"""Sweep the action catalog: every action a principal is allowed, in one MFA context.

Only actions that some Allow statement names (by Action, or by not being in a NotAction) can be allowed,
so those are the only ones evaluated; each against sample resources from the catalog (the principal's own
user and MFA device, somebody else's, or a generic ARN), and against the resources that the granting Allow
statements name themselves: an Allow on one specific bucket or function matches no generic sample, and
would otherwise go unreported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mfaguard.policy.catalog import Catalog, SampleResource
from mfaguard.policy.document import Statement
from mfaguard.policy.evaluation import Decision, PolicySet, evaluate
from mfaguard.policy.patterns import LIT, STAR, Pattern, Unresolved
from mfaguard.policy.request import Principal, Request

__all__ = ["Allowed", "candidate_actions", "named_resources", "samples_for", "sweep"]


@dataclass(frozen=True)
class Allowed:
    action: str  # canonical spelling
    resource: SampleResource
    decision: Decision

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "resource": self.resource.arn, "owner": self.resource.owner,
                "statements": [s.to_dict() for s in self.decision.statements]}


# Keyed by the statement's action patterns (hashable), not by object identity.
_EXPANSIONS: dict[tuple[Any, bool], frozenset[str]] = {}


def _statement_actions(st: Statement, catalog: Catalog) -> frozenset[str]:
    key = (st.actions, st.not_action)
    hit = _EXPANSIONS.get(key)
    if hit is None:
        named: set[str] = set()
        for p in st.actions:
            named |= catalog.matching(p)
        hit = frozenset(set(catalog.actions) - named if st.not_action else named)
        _EXPANSIONS[key] = hit
    return hit


def candidate_actions(policies: PolicySet, catalog: Catalog) -> set[str]:
    """Lower-case catalog actions that some identity Allow statement could grant."""
    out: set[str] = set()
    for pol in policies.identity:
        for st in pol.statements:
            if st.effect == "Allow":
                out |= _statement_actions(st, catalog)
    return out


def _concrete(pattern: Pattern, req: Request) -> str | None:
    """One ARN the Resource pattern matches: variables resolved for this principal, a wildcard region or
    account filled in, any other ``*`` / ``?`` replaced by placeholder text. None for ``*`` (every sample
    matches it already) or an unresolvable variable (the pattern matches nothing)."""
    try:
        tokens = pattern.resolve(req.lookup)
    except Unresolved:
        return None
    if tokens == ((STAR,),):
        return None
    text = "".join(t[1] if t[0] == LIT else ("\x00" if t[0] == STAR else "\x01") for t in tokens)
    parts = text.split(":", 5)
    if len(parts) == 6:
        for i, fill in ((3, "us-east-1"), (4, req.principal.account)):
            if parts[i] in ("\x00", "\x01") and fill:
                parts[i] = fill
        text = ":".join(parts)
    return text.replace("\x00", "example").replace("\x01", "x")


def named_resources(policies: PolicySet, req: Request) -> list[SampleResource]:
    """The resources that the identity Allow statements granting ``req.action`` name (see the module doc)."""
    out: list[SampleResource] = []
    for pol in policies.identity:
        for st in pol.statements:
            if st.effect != "Allow" or not st.resources or st.not_resource or not st.matches_action(req.action_lower):
                continue
            for p in st.resources:
                arn = _concrete(p, req)
                if arn is not None and all(arn != s.arn for s in out):
                    out.append(SampleResource(arn, _owner(arn, req)))
    return out


def _owner(arn: str, req: Request) -> str:
    """A named IAM user or MFA device is the caller's own when its name (after any path) is the caller's:
    IAM names are unique whatever the path."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "iam" or req.principal.kind != "user":
        return "any"
    kind, _, rest = parts[5].partition("/")
    if kind not in ("user", "mfa"):
        return "any"
    return "self" if rest.rsplit("/", 1)[-1] == req.principal.name else "other"


def samples_for(policies: PolicySet, req: Request, catalog: Catalog, user: str) -> list[SampleResource]:
    """Catalog samples for ``req.action`` (``user``: the principal's name with its path), then the resources
    the granting statements name."""
    out = list(catalog.sample_resources(req.action, req.principal.account, user))
    seen = {s.arn for s in out}
    out += [s for s in named_resources(policies, req) if s.arn not in seen]
    return out


def sweep(
    policies: PolicySet,
    principal: Principal,
    context: dict[str, Any],
    catalog: Catalog,
    *,
    actions: Iterable[str] | None = None,
) -> list[Allowed]:
    """Every (action, sample resource) the principal is allowed in this context, sorted by action."""
    user = principal.name
    if principal.kind == "user" and principal.path != "/":
        user = f"{principal.path.strip('/')}/{principal.name}"
    base = Request.build(principal, "sts:GetCallerIdentity", "*", context)
    out: list[Allowed] = []
    todo = sorted(actions if actions is not None else candidate_actions(policies, catalog))
    for action in todo:
        for sample in samples_for(policies, Request(base.principal, action, "*", base.context), catalog, user):
            req = Request(base.principal, action, sample.arn, base.context)
            decision = evaluate(policies, req)
            if decision.allowed:
                out.append(Allowed(catalog.canonical(action), sample, decision))
    return out
