"""Rosters and snapshots for the rollout's unit tests (plain data, no servers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from mfaguard.model import Account, AccountError, Snapshot, UserStatus
from mfaguard.roster.load import LoadedRoster, parse_roster

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
PROD = Account("111111111111", "prod")
STAGING = Account("222222222222", "staging")

ROSTER = """\
version: 1
defaults:
  pgp_key: keybase:security
teams:
  sre: {access: admin}
  web: {}
  data: {}
accounts:
  prod: {id: "111111111111"}
  staging: {id: "222222222222", region: eu-west-1}
people:
  # the SRE team owns IAM: first wave
  - id: alice
    name: Alice Admin
    email: alice@example.com
    team: sre
    accounts:
      prod: {console: true}
      staging: {console: true}
  - id: sam
    name: Sam Sre
    email: sam@example.com
    team: sre
    enforcement: enforced
    accounts:
      prod: {console: true}
  - id: bob
    name: Bob Web
    email: bob@example.com
    team: web
    accounts:
      prod:
        - {console: true}
        - {user: bob-cli, cli: true}
  - id: carol
    name: Carol Web
    team: web
    accounts:
      prod: {cli: true}
  - id: dave
    name: Dave Data
    email: dave@example.com
    team: data
    accounts:
      staging: {console: true, groups: [readonly]}
  - id: erin
    name: Erin Data
    email: erin@example.com
    team: data
    enforcement: exempt
    accounts:
      staging: {console: true}
waves:
  - name: sre   # admins first
    teams: [sre]
    target_date: 2026-03-15
  - name: pilot
    teams: [web]
    people: [dave]
    target_date: 2026-04-01
  - name: everyone
    everyone: true
"""


def roster(text: str = ROSTER, path: str | Path = "roster.yaml") -> LoadedRoster:
    return parse_roster(text, path)


def status(account: Account, name: str, *, mfa: bool, console: bool = True, keys: int = 0, admin: bool = False,
           enforced: bool = False, team: str = "", email: str = "") -> UserStatus:
    return UserStatus(
        account_id=account.id, account_name=account.name, name=name, arn=f"arn:aws:iam::{account.id}:user/{name}",
        team=team or "unassigned", console=console, active_keys=keys, mfa=mfa,
        device_kinds=("virtual",) if mfa else (), device_count=1 if mfa else 0, enforced=enforced, admin=admin,
        last_activity=None, created=None, email=email,
    )


def snapshot(users: Iterable[UserStatus], *, taken_at: datetime = NOW - timedelta(hours=1), sid: str = "s1",
             accounts: tuple[Account, ...] = (PROD, STAGING), errors: tuple[AccountError, ...] = ()) -> Snapshot:
    return Snapshot(id=sid, taken_at=taken_at, accounts=accounts, users=tuple(users), findings=(), adoption=(),
                    errors=errors)


def all_ready() -> list[UserStatus]:
    """Everyone in ROSTER has MFA; alice is an admin in both accounts."""
    return [
        status(PROD, "alice", mfa=True, admin=True), status(STAGING, "alice", mfa=True, admin=True),
        status(PROD, "sam", mfa=True, enforced=True), status(PROD, "bob", mfa=True),
        status(PROD, "bob-cli", mfa=True, console=False, keys=1),
        status(PROD, "carol", mfa=True, console=False, keys=1),
        status(STAGING, "dave", mfa=True), status(STAGING, "erin", mfa=False),
    ]


def replace(users: list[UserStatus], account: Account, name: str, **changes: object) -> list[UserStatus]:
    from dataclasses import replace as dc_replace

    return [dc_replace(u, **changes) if (u.account_id, u.name) == (account.id, name) else u for u in users]
