"""`import {}` blocks for live IAM objects, at their addresses inside the iam-user module instances.

Terraform's ``-generate-config-out`` cannot target resources inside module instances, which is why
this exists: the renderer knows which instance and which index each live object belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from mfaguard.roster.live import LiveUser, ssh_fingerprint
from mfaguard.roster.model import Roster
from mfaguard.terraform_render.hcl import quote
from mfaguard.terraform_render.render import UserInstance, header, instances

__all__ = [
    "Import",
    "addresses",
    "import_blocks",
    "parse_imports",
    "prune_imports",
    "render_imports",
    "state_addresses",
    "unmanaged",
]

USER = "aws_iam_user.this"
LOGIN = "aws_iam_user_login_profile.this[0]"
ACCESS_KEY = "aws_iam_access_key.this[0]"
MEMBERSHIP = "aws_iam_user_group_membership.this[0]"


def _ssh(index: int) -> str:
    return f'aws_iam_user_ssh_key.this["{index}"]'


@dataclass(frozen=True, order=True)
class Import:
    to: str
    id: str


def _instance_addresses(inst: UserInstance) -> list[str]:
    out = [USER]
    if inst.user.console:
        out.append(LOGIN)
    if inst.user.cli:
        out.append(ACCESS_KEY)
    out += [_ssh(i) for i in range(len(inst.ssh_keys))]
    if inst.groups:
        out.append(MEMBERSHIP)
    return [f"{inst.address}.{a}" for a in out]


def addresses(roster: Roster, account: str) -> set[str]:
    """Every resource address the rendered configuration of ``account`` declares."""
    return {a for inst in instances(roster, account) for a in _instance_addresses(inst)}


def _for_instance(inst: UserInstance, live: LiveUser) -> list[Import]:
    at, name = inst.address, inst.name
    out = [Import(f"{at}.{USER}", name)]
    if inst.user.console and live.login_profile:
        out.append(Import(f"{at}.{LOGIN}", name))
    if inst.user.cli and live.access_keys:
        # The module manages one key: the oldest. A second one stays unmanaged (see `unmanaged`).
        out.append(Import(f"{at}.{ACCESS_KEY}", live.access_keys[0].id))
    by_print = {ssh_fingerprint(k.body): k for k in live.ssh_keys}
    for i, body in enumerate(inst.ssh_keys):
        key = by_print.get(ssh_fingerprint(body))
        if key:
            out.append(Import(f"{at}.{_ssh(i)}", f"{name}:{key.id}:SSH"))
    shared = sorted(set(inst.groups) & set(live.groups))
    if shared:
        # The import id lists the groups to adopt; the rest of the user's groups stay untouched.
        out.append(Import(f"{at}.{MEMBERSHIP}", "/".join([name, *shared])))
    return out


def import_blocks(
    roster: Roster, account: str, live_users: Iterable[LiveUser], in_state: Collection[str] = ()
) -> list[Import]:
    """Imports for every live object the roster declares in ``account`` that is not in state yet."""
    live = {u.name: u for u in live_users}
    out: list[Import] = []
    for inst in instances(roster, account):
        user = live.get(inst.name)
        if user is not None:
            out += [imp for imp in _for_instance(inst, user) if imp.to not in in_state]
    return sorted(out)


def unmanaged(roster: Roster, account: str, live_users: Iterable[LiveUser]) -> list[str]:
    """Live objects the rendered configuration will not manage, in words (for the import summary)."""
    declared = {inst.name: inst for inst in instances(roster, account)}
    notes = []
    for user in live_users:
        inst = declared.get(user.name)
        if inst is None:
            notes.append(f"user {user.name}: not in the roster")
            continue
        extra_keys = user.access_keys[1:] if inst.user.cli else user.access_keys
        notes += [f"user {user.name}: access key {k.id} is not managed" for k in extra_keys]
        if user.login_profile and not inst.user.console:
            notes.append(f"user {user.name}: console password is not managed")
        prints = {ssh_fingerprint(b) for b in inst.ssh_keys}
        notes += [f"user {user.name}: SSH key {k.id} is not managed" for k in user.ssh_keys
                  if ssh_fingerprint(k.body) not in prints]
    return notes


def render_imports(imports: Iterable[Import], source: str = "roster.yaml") -> str:
    lines = [header(source).rstrip("\n")]
    for imp in sorted(set(imports)):
        lines += ["", "import {", f"  to = {imp.to}", f"  id = {quote(imp.id)}", "}"]
    return "\n".join(lines) + "\n"


_BLOCK = re.compile(r'^import \{\n  to = (?P<to>[^\n]+)\n  id = "(?P<id>(?:[^"\\]|\\.)*)"\n\}$', re.M)


def parse_imports(text: str) -> list[Import]:
    """Import blocks from a file ``render_imports`` wrote (the only format it reads)."""
    return [Import(m["to"], re.sub(r"\\(.)", r"\1", m["id"])) for m in _BLOCK.finditer(text)]


def prune_imports(imports: Iterable[Import], roster: Roster, account: str) -> list[Import]:
    """Drop imports whose target the configuration no longer declares (a person was removed)."""
    valid = addresses(roster, account)
    return sorted(i for i in imports if i.to in valid)


def state_addresses(state: dict[str, object]) -> set[str]:
    """Resource instance addresses in a Terraform state document (format version 4)."""
    out: set[str] = set()
    for res in state.get("resources", []) or []:  # type: ignore[union-attr]
        if not isinstance(res, dict) or res.get("mode") != "managed":
            continue
        base = ".".join(p for p in (res.get("module", ""), f"{res['type']}.{res['name']}") if p)
        for inst in res.get("instances", []):
            key = inst.get("index_key")
            if key is None:
                out.add(base)
            elif isinstance(key, int):
                out.add(f"{base}[{key}]")
            else:
                out.add(f"{base}[{quote(str(key))}]")
    return out
