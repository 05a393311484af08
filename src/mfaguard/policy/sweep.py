"""Sweep the action catalog: every action a principal is allowed, in one MFA context.

Only actions that some Allow statement names (by Action, or by not being in a NotAction) can be allowed,
so those are the only ones evaluated; each against sample resources from the catalog (the principal's own
user and MFA device, somebody else's, or a generic ARN).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mfaguard.policy.catalog import Catalog, SampleResource
from mfaguard.policy.document import Statement
from mfaguard.policy.evaluation import Decision, PolicySet, evaluate
from mfaguard.policy.request import Principal, Request

__all__ = ["Allowed", "candidate_actions", "sweep"]


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
        for sample in catalog.sample_resources(action, principal.account, user):
            req = Request(base.principal, action, sample.arn, base.context)
            decision = evaluate(policies, req)
            if decision.allowed:
                out.append(Allowed(catalog.canonical(action), sample, decision))
    return out
