"""The audit's findings: stable ids, severities, meaning and fix, kept next to the checks. Pure.

Each check is a function over one evaluated user or one account; ``docs/findings.md`` is generated
from ``CATALOG`` (and a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mfaguard.model import AccountFacts, Finding, Severity, UserStatus

__all__ = ["CATALOG", "FindingSpec", "account_findings", "render_catalog_markdown", "user_findings"]


@dataclass(frozen=True)
class FindingSpec:
    id: str
    slug: str
    severity: Severity
    title: str
    meaning: str
    fix: str


CATALOG: dict[str, FindingSpec] = {
    s.id: s
    for s in (
        FindingSpec(
            "MFA001", "console-user-without-mfa", Severity.HIGH, "Console user without MFA",
            "The user can sign in to the console with a password alone; a phished or reused password is "
            "enough to act as them.",
            "Ask the user to enable an MFA device (IAM > Users > Security credentials > Assign MFA), then "
            "add them to an enforcement group. If they do not need the console, delete the login profile.",
        ),
        FindingSpec(
            "MFA002", "access-key-without-mfa", Severity.MEDIUM, "Active access key without MFA",
            "The user has an active long-term access key and no MFA device: the key alone grants their "
            "permissions, and there is no device to require in policies.",
            "Enable MFA for the user and move CLI use to MFA sessions (`mfaguard exec`); deactivate "
            "unused keys.",
        ),
        FindingSpec(
            "MFA003", "root-without-mfa", Severity.CRITICAL, "Root user without MFA",
            "The account's root user has no MFA device; root can do anything, including closing the "
            "account.",
            "Sign in as root and assign a hardware or FIDO device; keep it in a safe. With AWS "
            "Organizations, consider centralized root access management.",
        ),
        FindingSpec(
            "MFA004", "root-access-keys", Severity.CRITICAL, "Root access keys present",
            "The root user has an active access key: unrestricted, unscopeable programmatic access.",
            "Delete the root access keys (root user > Security credentials) and use IAM roles instead.",
        ),
        FindingSpec(
            "MFA005", "stale-credentials", Severity.LOW, "Credentials unused for more than the stale limit",
            "The user has a password or active key that has not been used for longer than `stale_days` "
            "(90 by default). Unused credentials are risk without benefit.",
            "Confirm with the owner, then disable the login profile and deactivate or delete the keys.",
        ),
        FindingSpec(
            "MFA006", "mfa-not-enforced", Severity.LOW, "User with MFA but not enforced",
            "The user has MFA but is in no group that carries the force-MFA policy, so their password or "
            "keys still work without it.",
            "Add the user to an enforcement group (or advance their rollout wave: `mfaguard rollout "
            "advance`).",
        ),
        FindingSpec(
            "MFA007", "enforced-without-mfa", Severity.HIGH, "Enforced user without MFA (locked out)",
            "The user is in an enforcement group but has no MFA device: everything except enrolling a "
            "device is denied. They are effectively locked out.",
            "Help the user enrol a device now; they can do it themselves from the console's "
            "security-credentials page.",
        ),
        FindingSpec(
            "MFA008", "no-mfa-admin", Severity.HIGH, "Account has no MFA-holding admin",
            "No user with administrator access (directly, via a group, or via an assumable admin role) "
            "has MFA. Enforcing MFA now could leave nobody able to administer the account.",
            "Make sure at least one administrator enables MFA before enforcement advances.",
        ),
    )
}


def _finding(spec_id: str, user: UserStatus | None, account_id: str, message: str) -> Finding:
    spec = CATALOG[spec_id]
    return Finding(
        id=spec.id, slug=spec.slug, severity=spec.severity, account_id=account_id,
        principal=user.name if user else "", message=message,
    )


def user_findings(user: UserStatus, now: datetime, stale_days: int) -> list[Finding]:
    out: list[Finding] = []
    acct = user.account_id
    if user.console and not user.mfa:
        out.append(_finding("MFA001", user, acct, f"{user.name} can sign in to the console without MFA"))
    if user.active_keys and not user.mfa:
        out.append(_finding("MFA002", user, acct, f"{user.name} has {user.active_keys} active access key(s) "
                                                  "and no MFA"))
    if user.in_scope:
        reference = user.last_activity or user.created
        if reference is not None and now - reference > timedelta(days=stale_days):
            what = "last used" if user.last_activity else "never used since created"
            out.append(_finding("MFA005", user, acct,
                                f"{user.name}: credentials {what} {(now - reference).days} days ago"))
    if user.mfa and not user.enforced and user.in_scope:
        out.append(_finding("MFA006", user, acct, f"{user.name} has MFA but is not in an enforcement group"))
    if user.enforced and not user.mfa and user.in_scope:
        out.append(_finding("MFA007", user, acct,
                            f"{user.name} is enforced but has no MFA device: locked out except enrolment"))
    return out


def account_findings(facts: AccountFacts, users: Iterable[UserStatus]) -> list[Finding]:
    out: list[Finding] = []
    acct = facts.account.id
    root = facts.root
    if root is not None and root.mfa_active is False:
        out.append(Finding("MFA003", CATALOG["MFA003"].slug, CATALOG["MFA003"].severity, acct,
                           "<root_account>", f"root user of {facts.account.label} has no MFA"))
    if root is not None and root.access_keys_active:
        out.append(Finding("MFA004", CATALOG["MFA004"].slug, CATALOG["MFA004"].severity, acct,
                           "<root_account>", f"root user of {facts.account.label} has active access keys"))
    admins = [u for u in users if u.admin]
    if not any(u.mfa for u in admins):
        detail = f"{len(admins)} admin(s), none with MFA" if admins else "no admin user found"
        out.append(_finding("MFA008", None, acct, f"{facts.account.label}: {detail}"))
    return out


def render_catalog_markdown() -> str:
    lines = [
        "# Audit findings",
        "",
        "Every finding has a stable id (used in JSON/CSV output, metrics and `--fail-on`), a severity,",
        "what it means and how to fix it. `mfaguard findings` prints this list; `mfaguard findings ID`",
        "one entry. This file is generated from `src/mfaguard/audit/findings.py`.",
        "",
        "| id | slug | severity | title |",
        "|---|---|---|---|",
    ]
    lines += [f"| {s.id} | `{s.slug}` | {s.severity.value} | {s.title} |" for s in CATALOG.values()]
    for s in CATALOG.values():
        lines += ["", f"## {s.id} {s.title}", "", f"Severity: **{s.severity.value}**. Slug: `{s.slug}`.", "",
                  f"**Meaning.** {s.meaning}", "", f"**Fix.** {s.fix}"]
    return "\n".join(lines) + "\n"


