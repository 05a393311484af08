"""AWS's documented evaluation logic for a request inside one account (plus cross-account role trust).

1. An explicit Deny in any applicable policy (identity, permissions boundary, resource/trust) wins.
2. Otherwise the request is allowed when an identity-based policy allows it and, if the principal has a
   permissions boundary, the boundary allows it too; or when a resource-based policy (a role's trust
   policy for sts:AssumeRole) allows it for this very principal in the same account. A resource policy
   that names only the account (``arn:aws:iam::ACCOUNT:root``) delegates to the account's identity
   policies, which must then allow too. Across accounts both sides must allow.
3. Otherwise it is implicitly denied.

Every decision carries the statements that decided it, so a violated property can name them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from mfaguard.policy.document import Policy, PrincipalSpec, Statement
from mfaguard.policy.patterns import Mode
from mfaguard.policy.request import Principal, Request

__all__ = ["Decision", "PolicySet", "evaluate", "not_principal_exempts", "principal_matches", "statement_matches"]

Outcome = Literal["allow", "explicit-deny", "implicit-deny"]


@dataclass(frozen=True)
class PolicySet:
    """The policies that apply to one principal (and optionally one resource)."""

    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    resource: Policy | None = None  # resource-based policy, or the trust policy of a role being assumed
    resource_account: str = ""  # account owning the resource; empty means the principal's account

    def all_policies(self) -> Iterable[Policy]:
        yield from self.identity
        if self.boundary is not None:
            yield self.boundary
        if self.resource is not None:
            yield self.resource


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    statements: tuple[Statement, ...]  # the deciding statements (denies, or the allows that granted)
    reason: str

    @property
    def allowed(self) -> bool:
        return self.outcome == "allow"

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.outcome,
            "allowed": self.allowed,
            "reason": self.reason,
            "statements": [s.to_dict() for s in self.statements],
        }


def statement_matches(st: Statement, req: Request, *, has_boundary: bool = False) -> bool:
    """Does the statement apply to the request (action, resource, principal and every condition)?
    ``has_boundary``: the principal has a permissions boundary (NotPrincipal never exempts it)."""
    if not st.matches_action(req.action_lower):
        return False
    if st.resources is not None:
        hit = False
        for p in st.resources:
            if p.matches(req.resource, Mode.RESOURCE, lookup=req.lookup):
                hit = True
                break
        if hit == st.not_resource:
            return False
    if st.principal is not None:
        if st.not_principal:
            if not has_boundary and not_principal_exempts(st.principal, req.principal):
                return False
        elif not principal_matches(st.principal, req.principal):
            return False
    return all(c.evaluate(req.lookup) for c in st.conditions)


def principal_matches(spec: PrincipalSpec, p: Principal, *, specifically: bool = False) -> bool:
    """Does a Principal element name this principal? With ``specifically``, ``*`` and account-root
    principals do not count (they grant nothing on their own in the same account)."""
    if spec.anyone:
        return not specifically
    if p.kind == "service":
        return p.name in spec.service
    if p.kind == "federated":
        return p.name in spec.federated
    for value in spec.aws:
        if value == "*":
            if not specifically:
                return True
            continue
        if value == p.arn:
            return True
        if value.endswith(":root") and p.account and value.split(":")[4] == p.account:
            if not specifically or p.kind == "root":
                return True
            continue
        if p.kind == "assumed-role" and _same_role(value, p):
            return True
    return False


def not_principal_exempts(spec: PrincipalSpec, p: Principal) -> bool:
    """Is the principal outside a (Deny) NotPrincipal statement? AWS checks the account, then the role, then
    the session (or the user): each must be listed, so naming only a user or a role exempts nobody, and
    naming only the account exempts only its root user."""
    if spec.anyone or "*" in spec.aws:
        return True
    if p.kind == "service":
        return p.name in spec.service
    if p.kind == "federated":
        return p.name in spec.federated
    chain = [f"arn:aws:iam::{p.account}:root", p.arn]
    if p.kind == "assumed-role":
        chain.insert(1, p.role_arn)
    return all(arn in spec.aws for arn in chain)


def _same_role(value: str, p: Principal) -> bool:
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return False
    return parts[4] == p.account and parts[5].rsplit("/", 1)[-1] == p.name


def _matching(policy: Policy | None, req: Request, *, has_boundary: bool = False,
              ) -> tuple[list[Statement], list[Statement]]:
    allows: list[Statement] = []
    denies: list[Statement] = []
    if policy is None:
        return allows, denies
    for st in policy.statements:
        if statement_matches(st, req, has_boundary=has_boundary):
            (denies if st.effect == "Deny" else allows).append(st)
    return allows, denies


def evaluate(policies: PolicySet, req: Request) -> Decision:
    id_allows: list[Statement] = []
    denies: list[Statement] = []
    for pol in policies.identity:
        a, d = _matching(pol, req)
        id_allows += a
        denies += d
    b_allows, b_denies = _matching(policies.boundary, req)
    r_allows, r_denies = _matching(policies.resource, req, has_boundary=policies.boundary is not None)
    denies += b_denies + r_denies
    if denies:
        return Decision("explicit-deny", tuple(denies), "an explicit Deny applies")

    identity_ok = bool(id_allows) and (policies.boundary is None or bool(b_allows))
    same_account = not policies.resource_account or policies.resource_account == req.principal.account
    boundary_blocks = policies.boundary is not None and not b_allows

    def grants_directly(s: Statement) -> bool:
        if s.principal is None:
            return True
        if not principal_matches(s.principal, req.principal, specifically=True):
            return False
        # A resource policy naming the role grants its sessions only within the role's permissions boundary;
        # naming the session itself grants regardless (access_policies_boundaries.html).
        session = req.principal.kind == "assumed-role"
        return not (boundary_blocks and session and req.principal.arn not in s.principal.aws)

    specific = [s for s in r_allows if grants_directly(s)]

    if policies.resource is None:
        if identity_ok:
            return Decision("allow", tuple(id_allows + b_allows), "allowed by identity-based policy")
    elif same_account:
        if specific:
            return Decision("allow", tuple(specific), "allowed by the resource policy for this principal")
        if identity_ok and r_allows:
            return Decision("allow", tuple(id_allows + b_allows + r_allows),
                            "allowed by identity-based policy; the resource policy trusts the account")
        if identity_ok and policies.resource.kind != "trust":
            return Decision("allow", tuple(id_allows + b_allows), "allowed by identity-based policy")
    elif identity_ok and r_allows:
        return Decision("allow", tuple(id_allows + b_allows + r_allows),
                        "allowed by both the identity-based and the cross-account resource policy")

    if id_allows and policies.boundary is not None and not b_allows:
        return Decision("implicit-deny", tuple(id_allows),
                        "identity-based policy allows, but the permissions boundary does not")
    if policies.resource is not None and policies.resource.kind == "trust" and not r_allows:
        return Decision("implicit-deny", (), "the role's trust policy does not allow this principal")
    if r_allows and not identity_ok:
        return Decision("implicit-deny", tuple(r_allows),
                        "the resource policy trusts the account, but no identity-based policy allows")
    return Decision("implicit-deny", (), "no statement allows this request")
