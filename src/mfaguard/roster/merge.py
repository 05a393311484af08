"""Merge live IAM users into the roster document, keeping everything people wrote.

Users already in the roster are left exactly as written (the roster is the source of truth). A new user
joins the person it evidently belongs to (same email tag, or same user name in another account), or
becomes a new person with an id derived from the user name and a team from the ``team`` tag. The result
describes every object as it is live, so the rendered plan shows imports and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from mfaguard.roster.comments import keep_trailing
from mfaguard.roster.live import LiveUser, ssh_fingerprint
from mfaguard.roster.model import EMAIL, IAM_PATH, IDENTITY_TAGS, TEAM_NAME, Roster
from mfaguard.terraform_render.keys import derive_key, unique_key

__all__ = ["MergeResult", "merge_account", "person_id_for"]

_NOT_ID = re.compile(r"[^a-z0-9._-]+")


@dataclass
class MergeResult:
    account: str
    new_people: list[str] = field(default_factory=list)
    attached: list[tuple[str, str]] = field(default_factory=list)  # (person id, user name)
    already: list[str] = field(default_factory=list)  # user names already in the roster
    # (person id, user name): the user matched that person but lacks groups or SSH keys the person
    # would give it, so it became a person of its own (joining would grant access in the plan).
    not_joined: list[tuple[str, str]] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    new_account: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.new_people or self.attached or self.new_teams or self.new_account)


def person_id_for(user_name: str, taken: Iterable[str]) -> str:
    """A readable, unique person id for an IAM user name (the local part of an email address)."""
    base = user_name.split("@", 1)[0] if "@" in user_name else user_name
    slug = _NOT_ID.sub("-", base.lower()).strip("-._")[:60].strip("-._") or "user"
    used = {t.lower() for t in taken}
    if slug not in used:
        return slug
    n = 2
    while f"{slug}-{n}" in used:
        n += 1
    return f"{slug}-{n}"


def _child(parent: CommentedMap, key: str, factory: type) -> Any:
    if parent.get(key) is None:
        with keep_trailing(parent):
            parent[key] = factory()
    return parent[key]


def _order(users: Iterable[LiveUser]) -> list[LiveUser]:
    # Names that are their own slug (alice) get the plain key/id before look-alikes (Alice).
    return sorted(users, key=lambda u: (derive_key(u.name) != u.name, u.name))


def merge_account(
    doc: CommentedMap,
    roster: Roster,
    account: str,
    account_id: str,
    live: Iterable[LiveUser],
    *,
    region: str | None = None,
    backend: dict[str, Any] | None = None,
) -> MergeResult:
    """Add ``live`` users of ``account`` missing from the roster to ``doc`` (in place)."""
    result = MergeResult(account)
    accounts = _child(doc, "accounts", CommentedMap)
    if account not in accounts:
        with keep_trailing(accounts):
            accounts[account] = CommentedMap([("id", DoubleQuotedScalarString(account_id))])
        result.new_account = True
    spec = accounts[account]
    if region and spec.get("region", "us-east-1") != region:
        with keep_trailing(spec):
            spec["region"] = region
    if backend and dict(spec.get("backend") or {}) != backend:
        with keep_trailing(spec):
            spec["backend"] = CommentedMap(backend)
        result.new_account = True
    teams = _child(doc, "teams", CommentedMap)
    people = _child(doc, "people", CommentedSeq)

    # Indexes over the roster as written, kept current as users are added.
    ids = {p.id.lower() for p in roster.people}
    index_of = {p.id: i for i, p in enumerate(roster.people)}
    claimed = {(a, p.user_name(u)) for p in roster.people for a, entries in p.accounts.items() for u in entries}
    taken_keys = {u.key or derive_key(p.user_name(u)) for p in roster.people for u in p.users(account)}
    by_email = {p.email.lower(): p.id for p in roster.people if p.email}
    by_name = {p.user_name(u): p.id for p in roster.people for entries in p.accounts.values() for u in entries}
    enforcement = roster.enforcement_groups(account)
    level_order = list(roster.access_levels)

    for user in _order(live):
        if (account, user.name) in claimed:
            result.already.append(user.name)
            continue
        tags = user.tag_map
        email = tags.get("email", "")
        owner = by_email.get(email.lower()) if email else None
        owner = owner or by_name.get(user.name)
        if owner is not None and not _fits(people[index_of[owner]], roster, account, user):
            # Joining would add memberships (e.g. the person's enforcement group) or SSH keys this user
            # does not have: the plan would grant access instead of only importing.
            result.not_joined.append((owner, user.name))
            owner = None
        if owner is not None:
            pdoc = people[index_of[owner]]
            result.attached.append((owner, user.name))
        else:
            owner = person_id_for(user.name, ids)
            ids.add(owner)
            pdoc = _new_person(owner, user, roster, enforcement, level_order)
            with keep_trailing(people):
                people.append(pdoc)
            index_of[owner] = len(people) - 1
            if pdoc["team"] not in teams:
                with keep_trailing(teams):
                    teams[pdoc["team"]] = CommentedMap()
                result.new_teams.append(pdoc["team"])
            if email:
                by_email.setdefault(email.lower(), owner)
            result.new_people.append(owner)
        values = {"team": pdoc.get("team", ""), "email": pdoc.get("email") or "", "person": pdoc.get("name") or ""}
        entry = _entry(user, owner, pdoc, values, _implied_groups(pdoc, roster, account))
        key = unique_key(user.name, taken_keys)
        taken_keys.add(key)
        if key != derive_key(user.name):
            entry["key"] = key
        with keep_trailing(pdoc):
            _attach(pdoc, account, entry)
        claimed.add((account, user.name))
        by_name.setdefault(user.name, owner)
    return result


def _level(pdoc: CommentedMap, roster: Roster) -> str:
    team = roster.teams.get(str(pdoc.get("team", "")))
    return str(pdoc.get("access") or (team.access if team and team.access else None) or roster.defaults.access)


def _implied_groups(pdoc: CommentedMap, roster: Roster, account: str) -> set[str]:
    """Groups every user of the person gets in ``account``: extra groups, and enforcement groups once enforced."""
    groups = {str(g) for g in pdoc.get("groups") or []}
    if pdoc.get("enforcement") == "enforced":
        level = _level(pdoc, roster)
        if level in roster.access_levels:
            groups.add(roster.group_of(account, level))
        team = roster.teams.get(str(pdoc.get("team", "")))
        if team and team.group:
            groups.add(team.group)
    return groups


def _fits(pdoc: CommentedMap, roster: Roster, account: str, user: LiveUser) -> bool:
    """Whether ``user`` already has every group and SSH key it would get as one of this person's users."""
    live_keys = {ssh_fingerprint(k.body) for k in user.ssh_keys}
    person_keys = {ssh_fingerprint(str(k)) for k in pdoc.get("ssh_keys") or []}
    return _implied_groups(pdoc, roster, account) <= set(user.groups) and person_keys <= live_keys


def _new_person(
    pid: str, user: LiveUser, roster: Roster, enforcement: dict[str, str], level_order: list[str]
) -> CommentedMap:
    tags = user.tag_map
    p = CommentedMap([("id", pid)])
    if tags.get("person", "").strip():
        p["name"] = tags["person"]
    if EMAIL.match(tags.get("email", "")):
        p["email"] = tags["email"]
    team = tags.get("team", "")
    p["team"] = team if TEAM_NAME.match(team) else roster.defaults.team
    levels = sorted({enforcement[g] for g in user.groups if g in enforcement}, key=level_order.index)
    team_spec = roster.teams.get(p["team"])
    if levels:
        default = (team_spec.access if team_spec and team_spec.access else None) or roster.defaults.access
        if levels[0] != default:
            p["access"] = levels[0]
    # Enforced renders the team's group too: only when the user is already in it, or the plan would add it.
    team_group = team_spec.group if team_spec else None
    enforced = bool(levels) and (team_group is None or team_group in user.groups)
    p["enforcement"] = "enforced" if enforced else "pending"
    return p


def _entry(
    user: LiveUser, owner: str, pdoc: CommentedMap, values: dict[str, str], implied_groups: set[str]
) -> CommentedMap:
    """The roster entry that renders to exactly what ``user`` is live."""
    tags = user.tag_map
    e = CommentedMap()
    if user.name != owner:
        e["user"] = user.name
    if user.login_profile:
        e["console"] = True
    if user.access_keys:
        e["cli"] = True
        if user.access_keys[0].status != "Active":
            e["access_key_status"] = user.access_keys[0].status
    person_keys = {ssh_fingerprint(k) for k in pdoc.get("ssh_keys") or []}
    ssh = [ssh_fingerprint(k.body) for k in user.ssh_keys if ssh_fingerprint(k.body) not in person_keys]
    if ssh:
        e["ssh_keys"] = CommentedSeq(ssh)
    extra = [g for g in user.groups if g not in implied_groups]
    if extra:
        e["groups"] = _flow(CommentedSeq(extra))
    if user.path != "/" and IAM_PATH.match(user.path):
        e["path"] = user.path
    if user.permissions_boundary:
        # Left out, the plan would remove the boundary: more permissions, not an import.
        e["permissions_boundary"] = user.permissions_boundary
    # Identity tags are written from the person's fields; a live tag the person's field cannot carry
    # (another value, an invalid email) is kept as a plain tag instead.
    identity = []
    extra_tags = {k: v for k, v in tags.items() if k not in IDENTITY_TAGS}
    for tag in IDENTITY_TAGS:
        if tag in tags and tags[tag] == values[tag]:
            identity.append(tag)
        elif tag in tags:
            extra_tags[tag] = tags[tag]
        elif not values[tag]:
            identity.append(tag)  # nothing to write either way
    if extra_tags:
        e["tags"] = CommentedMap(sorted(extra_tags.items()))
    if len(identity) != len(IDENTITY_TAGS):
        e["identity_tags"] = _flow(CommentedSeq(identity))
    return e


def _flow(seq: CommentedSeq) -> CommentedSeq:
    seq.fa.set_flow_style()
    return seq


def _attach(pdoc: CommentedMap, account: str, entry: CommentedMap) -> None:
    accounts = _child(pdoc, "accounts", CommentedMap)
    current = accounts.get(account)
    if current is None:
        accounts[account] = entry
    elif isinstance(current, list):
        current.append(entry)
    else:
        accounts[account] = CommentedSeq([current, entry])
