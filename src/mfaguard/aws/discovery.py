"""Which accounts to audit: the caller's own, an explicit list, or AWS Organizations."""

from __future__ import annotations

import hashlib
from fnmatch import fnmatchcase

import botocore.exceptions

from mfaguard.aws.sessions import AwsContext, error_code
from mfaguard.config import AccountsConfig
from mfaguard.errors import AwsAccessError, InputError
from mfaguard.model import Account

__all__ = ["discover_accounts", "parse_shard", "select", "shard_of"]


def _matches(account: Account, patterns: list[str]) -> bool:
    return any(p == account.id or (account.name and fnmatchcase(account.name.lower(), p.lower())) for p in patterns)


def select(accounts: list[Account], include: list[str], exclude: list[str]) -> list[Account]:
    chosen = [a for a in accounts if not include or _matches(a, include)]
    return [a for a in chosen if not _matches(a, exclude)]


def parse_shard(text: str) -> tuple[int, int]:
    """'i/N' with 0 <= i < N (Kubernetes Indexed Jobs count completions from 0)."""
    try:
        index_s, total_s = text.split("/")
        index, total = int(index_s), int(total_s)
    except ValueError:
        raise InputError(f"bad shard '{text}'", field="--shard", hint="use i/N, e.g. 0/4 for the first of 4") from None
    if total < 1 or not 0 <= index < total:
        raise InputError(f"bad shard '{text}'", field="--shard", hint="i must be between 0 and N-1")
    return index, total


def shard_of(account_id: str, total: int) -> int:
    # A hash, not position: adding an account never moves the others to another shard.
    return int(hashlib.sha256(account_id.encode()).hexdigest(), 16) % total


def discover_accounts(
    ctx: AwsContext, cfg: AccountsConfig, caller_account_id: str, only: list[str] | None = None
) -> list[Account]:
    if cfg.source == "self":
        accounts = [Account(id=caller_account_id, name=_alias(ctx))]
    elif cfg.source == "config":
        accounts = [
            Account(
                id=e.id,
                name=e.name,
                role_arn="" if e.id == caller_account_id and not e.role_arn else cfg.role_arn_for(e.id),
            )
            for e in cfg.entries
        ]
    else:
        accounts = _organization_accounts(ctx, cfg, caller_account_id)
    accounts = select(accounts, cfg.include, cfg.exclude)
    if only:
        accounts = select(accounts, only, [])
        if not accounts:
            raise InputError(
                f"no configured account matches {', '.join(only)}", field="--accounts",
                hint="give account ids or names as configured (mfaguard.toml [accounts])",
            )
    return sorted(accounts, key=lambda a: a.id)


def _alias(ctx: AwsContext) -> str:
    try:
        aliases = ctx.client("iam").list_account_aliases().get("AccountAliases", [])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
        return ""
    return str(aliases[0]) if aliases else ""


def _organization_accounts(ctx: AwsContext, cfg: AccountsConfig, caller_account_id: str) -> list[Account]:
    org = ctx.client("organizations")
    try:
        pages = list(org.get_paginator("list_accounts").paginate())
    except botocore.exceptions.ClientError as exc:
        code = error_code(exc)
        raise AwsAccessError(
            f"cannot list the organization's accounts ({code})",
            hint="run from the management (or a delegated administrator) account with "
            "organizations:ListAccounts, or use [accounts] source = \"config\"",
        ) from None
    accounts = []
    for page in pages:
        for a in page.get("Accounts", []):
            if a.get("Status") != "ACTIVE":
                continue
            own = a["Id"] == caller_account_id
            if own and not cfg.audit_management_account:
                continue
            accounts.append(Account(
                id=a["Id"], name=a.get("Name", ""), email=a.get("Email", ""),
                role_arn="" if own else cfg.role_arn_for(a["Id"]),
            ))
    return accounts
