"""Who has which policies: users, groups and roles of one account, from either source.

- ``from_authorization_details``: the output of IAM GetAccountAuthorizationDetails (a live account).
- ``from_terraform_show``: ``terraform show -json`` of a plan or of the state.

Both produce the same ``Inventory``; AWS managed policies the source does not carry come from the data
shipped with mfaguard (with their version ids).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mfaguard.errors import InputError
from mfaguard.policy.document import Policy, PolicyKind, parse_policy
from mfaguard.policy.evaluation import PolicySet
from mfaguard.policy.managed import aws_managed_policy

__all__ = ["Identity", "Inventory", "ModuleInputs", "from_authorization_details", "from_terraform_show"]

DEFAULT_ACCOUNT = "123456789012"


@dataclass
class Identity:
    kind: Literal["user", "group", "role"]
    name: str
    path: str = "/"
    arn: str = ""
    inline: list[Policy] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)  # managed policy ARNs
    boundary: str = ""  # permissions boundary policy ARN
    trust: Policy | None = None  # roles
    groups: list[str] = field(default_factory=list)  # users
    tags: dict[str, str] = field(default_factory=dict)
    address: str = ""  # Terraform address, when read from Terraform

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass
class ModuleInputs:
    address: str
    source: str
    constants: dict[str, Any] = field(default_factory=dict)
    dynamic: list[str] = field(default_factory=list)


@dataclass
class Inventory:
    account: str
    source: str
    users: dict[str, Identity] = field(default_factory=dict)
    groups: dict[str, Identity] = field(default_factory=dict)
    roles: dict[str, Identity] = field(default_factory=dict)
    managed: dict[str, Policy] = field(default_factory=dict)  # ARN -> policy (customer and AWS managed)
    warnings: list[str] = field(default_factory=list)
    # Inputs of the Terraform module calls (plans only): constant values, and the names of inputs that are
    # expressions Terraform does not spell out (their values cannot be read).
    module_inputs: list[ModuleInputs] = field(default_factory=list)

    def policy(self, arn: str) -> Policy | None:
        found = self.managed.get(arn)
        if found is not None:
            return found
        shipped = aws_managed_policy(arn)
        return shipped.policy if shipped else None

    def _resolve(self, who: Identity, arns: Iterable[str]) -> list[Policy]:
        out = []
        for arn in arns:
            pol = self.policy(arn)
            if pol is None:
                msg = f"{who.label}: policy {arn} is attached but its document is unknown; it is ignored"
                if msg not in self.warnings:
                    self.warnings.append(msg)
                continue
            out.append(pol)
        return out

    def identity_policies(self, who: Identity) -> list[Policy]:
        """Inline and attached policies, and for a user those of its groups."""
        pols = list(who.inline) + self._resolve(who, who.attached)
        for g in who.groups:
            group = self.groups.get(g)
            if group is None:
                self.warnings.append(f"{who.label}: member of unknown group {g}")
                continue
            pols += group.inline + self._resolve(group, group.attached)
        return pols

    def policy_set(self, who: Identity, *, trust_of: Identity | None = None) -> PolicySet:
        boundary = None
        if who.boundary:
            found = self._resolve(who, [who.boundary])
            boundary = found[0] if found else None
        return PolicySet(
            identity=tuple(self.identity_policies(who)),
            boundary=boundary,
            resource=trust_of.trust if trust_of is not None else None,
        )

    def all_policies(self) -> Iterator[Policy]:
        seen: set[int] = set()
        for who in [*self.users.values(), *self.groups.values(), *self.roles.values()]:
            pols = list(who.inline) + self._resolve(who, who.attached)
            if who.trust is not None:
                pols.append(who.trust)
            for p in pols:
                if id(p) not in seen:
                    seen.add(id(p))
                    yield p


# -- live account -----------------------------------------------------------------------------------------


def _doc(raw: Any) -> Any:
    # boto3 decodes policy documents to dicts; the raw API returns URL-encoded JSON text.
    if isinstance(raw, str):
        text = urllib.parse.unquote(raw) if raw.lstrip().startswith("%") else raw
        return text if text.lstrip().startswith("{") else urllib.parse.unquote(text)
    return raw


def _parse(raw: Any, name: str, kind: PolicyKind, source: str, version: str = "") -> Policy:
    return parse_policy(_doc(raw), name=name, kind=kind, source=source, policy_version=version)


def from_authorization_details(details: Mapping[str, Any] | list[Mapping[str, Any]],
                               *, source: str = "live account") -> Inventory:
    """Build from GetAccountAuthorizationDetails (one response, or a list of pages)."""
    pages = details if isinstance(details, list) else [details]
    merged: dict[str, list[Any]] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [],
                                    "Policies": []}
    for page in pages:
        # Any other JSON (a Terraform plan, say) would otherwise read as an empty account and pass.
        if not isinstance(page, Mapping) or not set(page) & set(merged):
            raise InputError("not a GetAccountAuthorizationDetails response", path=source,
                             hint="save it with `aws iam get-account-authorization-details > details.json`; "
                             "a Terraform plan or state goes to --terraform")
        for k in merged:
            merged[k] += list(page.get(k, []))
    account = ""
    for item in merged["UserDetailList"] + merged["GroupDetailList"] + merged["RoleDetailList"]:
        account = item.get("Arn", "").split(":")[4] if item.get("Arn") else ""
        if account:
            break
    inv = Inventory(account=account or DEFAULT_ACCOUNT, source=source)
    # Only attached policies are parsed: an account holds over a thousand AWS managed policies.
    attached = {a["PolicyArn"] for item in merged["UserDetailList"] + merged["GroupDetailList"]
                + merged["RoleDetailList"] for a in item.get("AttachedManagedPolicies", [])}
    attached |= {(item.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")
                 for item in merged["UserDetailList"] + merged["RoleDetailList"]}
    for p in merged["Policies"]:
        if p.get("Arn") not in attached:
            continue
        default = p.get("DefaultVersionId", "")
        for v in p.get("PolicyVersionList", []):
            if v.get("IsDefaultVersion") or v.get("VersionId") == default:
                inv.managed[p["Arn"]] = _parse(v["Document"], p["Arn"], "identity", source, v.get("VersionId", ""))
    for g in merged["GroupDetailList"]:
        inv.groups[g["GroupName"]] = Identity(
            "group", g["GroupName"], g.get("Path", "/"), g.get("Arn", ""),
            inline=[_parse(ip["PolicyDocument"], f"group/{g['GroupName']}:{ip['PolicyName']}", "identity",
                           source) for ip in g.get("GroupPolicyList", [])],
            attached=[a["PolicyArn"] for a in g.get("AttachedManagedPolicies", [])],
        )
    for u in merged["UserDetailList"]:
        inv.users[u["UserName"]] = Identity(
            "user", u["UserName"], u.get("Path", "/"), u.get("Arn", ""),
            inline=[_parse(ip["PolicyDocument"], f"user/{u['UserName']}:{ip['PolicyName']}", "identity",
                           source) for ip in u.get("UserPolicyList", [])],
            attached=[a["PolicyArn"] for a in u.get("AttachedManagedPolicies", [])],
            boundary=(u.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
            groups=list(u.get("GroupList", [])),
            tags={t["Key"]: t["Value"] for t in u.get("Tags", [])},
        )
    for r in merged["RoleDetailList"]:
        name = r["RoleName"]
        inv.roles[name] = Identity(
            "role", name, r.get("Path", "/"), r.get("Arn", ""),
            inline=[_parse(ip["PolicyDocument"], f"role/{name}:{ip['PolicyName']}", "identity", source)
                    for ip in r.get("RolePolicyList", [])],
            attached=[a["PolicyArn"] for a in r.get("AttachedManagedPolicies", [])],
            boundary=(r.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
            trust=_parse(r["AssumeRolePolicyDocument"], f"role/{name}:trust", "trust", source)
            if r.get("AssumeRolePolicyDocument") else None,
            tags={t["Key"]: t["Value"] for t in r.get("Tags", [])},
        )
    return inv


# -- Terraform --------------------------------------------------------------------------------------------

_INDEX_RE = re.compile(r"\[[^\]]*\]$")


def _walk(module: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Resources of a module tree, each with its module's address (plans leave it out)."""
    for r in module.get("resources", []):
        yield {"module_address": module.get("address", ""), **r}
    for child in module.get("child_modules", []):
        yield from _walk(child)


def _config_module(config: Mapping[str, Any], module_address: str) -> Mapping[str, Any]:
    mod = config.get("root_module", {})
    for part in re.findall(r"module\.([^.\[]+)(?:\[[^\]]*\])?", module_address or ""):
        mod = mod.get("module_calls", {}).get(part, {}).get("module", {})
    return mod


def _module_inputs(module: Mapping[str, Any], prefix: str) -> Iterator[ModuleInputs]:
    for name, call in (module.get("module_calls") or {}).items():
        address = f"{prefix}module.{name}"
        mi = ModuleInputs(address, str(call.get("source", "")))
        for key, expr in (call.get("expressions") or {}).items():
            if isinstance(expr, Mapping) and "constant_value" in expr:
                mi.constants[key] = expr["constant_value"]
            else:
                mi.dynamic.append(key)
        yield mi
        yield from _module_inputs(call.get("module") or {}, f"{address}.")


def from_terraform_show(show: Mapping[str, Any], *, source: str = "terraform") -> Inventory:
    """Build from ``terraform show -json`` of a saved plan (planned values) or of the state."""
    if not isinstance(show, Mapping) or "format_version" not in show:
        raise InputError("not the output of `terraform show -json`", path=source,
                         hint="run `terraform show -json PLANFILE > plan.json` (or without PLANFILE for state)")
    is_plan = "planned_values" in show
    values_root = (show.get("planned_values") if is_plan else show.get("values")) or {}
    resources = list(_walk(values_root.get("root_module", {})))
    # Data sources (policy documents, the caller identity) are in the prior state of a plan.
    prior = ((show.get("prior_state") or {}).get("values") or {}).get("root_module", {})
    data = [r for r in _walk(prior) if r.get("mode") == "data"] if is_plan else []
    account = ""
    for r in resources + data:
        if r.get("type") == "aws_caller_identity" and r.get("values", {}).get("account_id"):
            account = r["values"]["account_id"]
            break
    inv = Inventory(account=account or DEFAULT_ACCOUNT, source=source)
    if not account:
        inv.warnings.append(f"no aws_caller_identity in the Terraform output; assuming account {DEFAULT_ACCOUNT}")
    config = show.get("configuration", {})
    inv.module_inputs = list(_module_inputs(config.get("root_module", {}), ""))
    managed = [r for r in resources if r.get("mode") == "managed" and r.get("type", "").startswith("aws_iam_")]
    by_addr = {r["address"]: r for r in managed}

    def policy_arn_of(r: Mapping[str, Any]) -> str:
        v = r.get("values", {})
        if v.get("arn"):
            return str(v["arn"])
        return f"arn:aws:iam::{inv.account}:policy{v.get('path') or '/'}{v.get('name', '')}"

    for r in managed:
        if r["type"] == "aws_iam_policy":
            v = r.get("values", {})
            if v.get("policy") is None:
                inv.warnings.append(f"{r['address']}: policy document unknown until apply; it is ignored")
                continue
            arn = policy_arn_of(r)
            inv.managed[arn] = _tf_policy(v["policy"], arn, "identity", r["address"])

    def resolve_arn(r: Mapping[str, Any], attr: str) -> list[str]:
        v = r.get("values", {}).get(attr)
        if v:
            return [v]
        # Unknown at plan time: follow the configuration's reference to an aws_iam_policy.
        module_address = r.get("module_address", "")
        conf = _config_module(config, module_address)
        local = _INDEX_RE.sub("", r["address"][len(module_address) + 1 if module_address else 0 :])
        refs: list[str] = []
        for cr in conf.get("resources", []):
            if cr.get("address") == local:
                refs = cr.get("expressions", {}).get(attr, {}).get("references", [])
        stripped = {ref[: -len(".arn")] if ref.endswith(".arn") else ref
                    for ref in refs if ref.startswith("aws_iam_policy.")}
        # "aws_iam_policy.x" and "aws_iam_policy.x[0]" name the same policy: keep the most precise.
        targets = {t for t in stripped if not any(o != t and o.startswith(t + "[") for o in stripped)}
        prefix = f"{module_address}." if module_address else ""
        found = sorted({policy_arn_of(res) for t in targets for a, res in by_addr.items()
                        if a == prefix + t or a.startswith(prefix + t + "[")})
        if len(found) == 1:
            return found
        inv.warnings.append(
            f"{r['address']}: {attr} is unknown until apply and "
            + (f"may be any of {', '.join(found)}" if found else "references no known policy")
            + "; the attachment is ignored (verify the state after apply, or attach by a known ARN)"
        )
        return []

    def get(kind: str, name: str, store: dict[str, Identity]) -> Identity:
        if name not in store:
            store[name] = Identity(kind, name)  # type: ignore[arg-type]
        return store[name]

    for r in managed:
        t, v, addr = r["type"], r.get("values", {}), r["address"]
        if t == "aws_iam_group":
            g = get("group", v["name"], inv.groups)
            g.path, g.address = v.get("path") or "/", addr
            g.arn = v.get("arn") or f"arn:aws:iam::{inv.account}:group{g.path}{g.name}"
        elif t == "aws_iam_user":
            u = get("user", v["name"], inv.users)
            u.path, u.address = v.get("path") or "/", addr
            u.arn = v.get("arn") or f"arn:aws:iam::{inv.account}:user{u.path}{u.name}"
            u.boundary = v.get("permissions_boundary") or ""
            u.tags = dict(v.get("tags") or {})
        elif t == "aws_iam_role":
            ro = get("role", v["name"], inv.roles)
            ro.path, ro.address = v.get("path") or "/", addr
            ro.arn = v.get("arn") or f"arn:aws:iam::{inv.account}:role{ro.path}{ro.name}"
            ro.boundary = v.get("permissions_boundary") or ""
            ro.tags = dict(v.get("tags") or {})
            if v.get("assume_role_policy"):
                ro.trust = _tf_policy(v["assume_role_policy"], f"role/{ro.name}:trust", "trust", addr)
            else:
                inv.warnings.append(f"{addr}: trust policy unknown until apply")
            for ip in v.get("inline_policy") or []:
                if ip.get("policy"):
                    ro.inline.append(_tf_policy(ip["policy"], f"role/{ro.name}:{ip.get('name', '')}",
                                                "identity", addr))
            ro.attached += list(v.get("managed_policy_arns") or [])
    for r in managed:
        t, v, addr = r["type"], r.get("values", {}), r["address"]
        if t in ("aws_iam_group_policy", "aws_iam_role_policy", "aws_iam_user_policy"):
            kind = t.split("_")[2]
            owner = v.get(kind)
            if not owner or v.get("policy") is None:
                inv.warnings.append(f"{addr}: {kind} or policy unknown until apply; ignored")
                continue
            store = {"group": inv.groups, "role": inv.roles, "user": inv.users}[kind]
            who = get(kind, owner, store)
            who.inline.append(_tf_policy(v["policy"], f"{kind}/{owner}:{v.get('name', '')}", "identity", addr))
        elif t in ("aws_iam_group_policy_attachment", "aws_iam_role_policy_attachment",
                   "aws_iam_user_policy_attachment"):
            kind = t.split("_")[2]
            owner = v.get(kind)
            if not owner:
                inv.warnings.append(f"{addr}: {kind} unknown until apply; ignored")
                continue
            store = {"group": inv.groups, "role": inv.roles, "user": inv.users}[kind]
            get(kind, owner, store).attached += resolve_arn(r, "policy_arn")
        elif t == "aws_iam_policy_attachment":
            arns = resolve_arn(r, "policy_arn")
            for kind, store in (("user", inv.users), ("group", inv.groups), ("role", inv.roles)):
                for owner in v.get(f"{kind}s") or []:
                    get(kind, owner, store).attached += arns
        elif t == "aws_iam_user_group_membership":
            u = get("user", v["user"], inv.users)
            u.groups += [g for g in v.get("groups") or [] if g not in u.groups]
        elif t == "aws_iam_group_membership":
            for user in v.get("users") or []:
                u = get("user", user, inv.users)
                if v.get("group") and v["group"] not in u.groups:
                    u.groups.append(v["group"])
    return inv


def _tf_policy(text: str, name: str, kind: PolicyKind, address: str) -> Policy:
    try:
        doc = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError as exc:
        raise InputError(f"policy is not valid JSON: {exc.msg}", path=address, line=exc.lineno) from None
    return parse_policy(doc, name=name, kind=kind, source=address)
