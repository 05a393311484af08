"""`mfaguard import`: live IAM users -> roster entries, Terraform and `import {}` blocks.

I/O lives here (AWS reads, optional backend creation, file writes); merging and rendering are pure.
Nothing is written unless the merged roster validates and every file renders; then all files are
written at once (see ``mfaguard.roster.files``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions
from ruamel.yaml.comments import CommentedMap

from mfaguard.errors import AwsAccessError, InputError
from mfaguard.model import Account
from mfaguard.roster.files import unchanged, write_files
from mfaguard.roster.live import LiveUser
from mfaguard.roster.load import LoadedRoster, dump_yaml, load_roster, parse_roster
from mfaguard.roster.merge import MergeResult, merge_account
from mfaguard.roster.model import ACCOUNT_NAME, Roster
from mfaguard.roster.output import plan_files
from mfaguard.terraform_render.imports import Import, import_blocks, state_addresses, unmanaged

__all__ = [
    "BackendOptions",
    "ImportReport",
    "account_name_for",
    "create_backend",
    "read_state_addresses",
    "run_import",
]

NEW_ROSTER = (
    "# mfaguard roster: the people, teams and accounts whose IAM users mfaguard manages.\n"
    "# Edit it by hand; `mfaguard render` turns it into Terraform. See docs/roster.md.\n"
    "version: 1\n"
)


@dataclass(frozen=True)
class BackendOptions:
    bucket: str
    key: str = "mfaguard/users/{account}.tfstate"
    region: str = "us-east-1"
    lock_table: str | None = None

    def for_account(self, account: str, account_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "bucket": self.bucket,
            "key": self.key.format(account=account, account_id=account_id),
            "region": self.region,
        }
        if self.lock_table:
            out["lock_table"] = self.lock_table
        return out


@dataclass
class ImportReport:
    merges: list[MergeResult] = field(default_factory=list)
    imports: dict[str, int] = field(default_factory=dict)  # account -> import blocks written
    skipped_in_state: dict[str, int] = field(default_factory=dict)
    unmanaged: dict[str, list[str]] = field(default_factory=dict)
    state_readable: dict[str, bool | None] = field(default_factory=dict)  # None: no backend configured
    written: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)  # those of ``written`` that are removed (imports.tf)
    backend_created: list[str] = field(default_factory=list)


def account_name_for(account: Account, roster: Roster) -> str:
    """The roster's name for an account: the existing entry with its id, else its alias, else its id."""
    for name, spec in roster.accounts.items():
        if spec.id == account.id:
            return name
    alias = re.sub(r"[^a-z0-9_-]+", "-", account.name.lower()).strip("-_")
    if alias and ACCOUNT_NAME.match(alias) and alias not in roster.accounts:
        return alias
    return f"account-{account.id}"


def read_state_addresses(s3: Any, backend: dict[str, Any] | None) -> set[str] | None:
    """Addresses already in the account's state, or None when the state cannot be read."""
    if not backend:
        return None
    try:
        body = s3.get_object(Bucket=backend["bucket"], Key=backend["key"])["Body"].read()
        return state_addresses(json.loads(body))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, ValueError):
        return None


def create_backend(s3: Any, dynamodb: Any | None, opts: BackendOptions) -> list[str]:
    """Create the state bucket (versioned, encrypted, private) and lock table when missing."""
    created = []
    try:
        s3.head_bucket(Bucket=opts.bucket)
        exists = True
    except botocore.exceptions.ClientError:
        exists = False
    # An existing bucket is left exactly as it is (its owners may use KMS keys, replication...).
    if not exists:
        params: dict[str, Any] = {"Bucket": opts.bucket}
        if opts.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": opts.region}
        s3.create_bucket(**params)
        created.append(f"s3://{opts.bucket}")
        # State holds encrypted secrets and every user's details: versioned, encrypted, never public.
        s3.put_bucket_versioning(Bucket=opts.bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=opts.bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        s3.put_public_access_block(
            Bucket=opts.bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    if opts.lock_table and dynamodb is not None:
        try:
            dynamodb.describe_table(TableName=opts.lock_table)
        except dynamodb.exceptions.ResourceNotFoundException:
            dynamodb.create_table(
                TableName=opts.lock_table,
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
            created.append(f"dynamodb table {opts.lock_table}")
    return created


def _start(roster_path: Path) -> LoadedRoster:
    if roster_path.exists():
        return load_roster(roster_path)
    return parse_roster(NEW_ROSTER, roster_path)


def _set_default_pgp(doc: CommentedMap, pgp_key: str) -> None:
    defaults = doc.get("defaults")
    if defaults is None:
        defaults = CommentedMap()
        # Right after `version:` so it reads first.
        doc.insert(1 if "version" in doc else 0, "defaults", defaults)
    defaults.setdefault("pgp_key", pgp_key)


def run_import(
    roster_path: Path,
    out_dir: Path,
    accounts: list[Account],
    read_users: Callable[[Account], list[LiveUser]],
    *,
    backend: BackendOptions | None = None,
    s3: Any = None,
    dynamodb: Any = None,
    create: bool = False,
    pgp_key: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import ``accounts`` (users read by ``read_users``) into the roster and its Terraform."""
    if create and backend is None:
        raise InputError("--create-backend needs --backend-bucket", field="--create-backend")
    report = ImportReport()
    loaded = _start(roster_path)
    indent = loaded.indent
    # The round-trip parse is slow on big rosters: the document is only touched when something changes.
    edited = stale = False
    if pgp_key and not loaded.roster.defaults.pgp_key:
        _set_default_pgp(loaded.doc, pgp_key)  # merging does not read it; the final validation does
        edited = True
    live_by_account: dict[str, list[LiveUser]] = {}
    for account in accounts:
        if stale:
            # Re-read so this account sees the people added by the previous one.
            loaded = parse_roster(dump_yaml(loaded.doc, indent), roster_path, resolve_files=False)
            stale = False
        name = account_name_for(account, loaded.roster)
        users = read_users(account)
        live_by_account[name] = users
        spec = loaded.roster.accounts.get(name)
        backend_cfg = backend.for_account(name, account.id) if backend else None
        if backend_cfg and spec and spec.backend:
            backend_cfg = None  # a backend already in the roster wins over the defaults
        claimed = {p.user_name(u) for p in loaded.roster.people for u in p.users(name)}
        if spec is not None and spec.id == account.id and not backend_cfg and {u.name for u in users} <= claimed:
            report.merges.append(MergeResult(name, already=[u.name for u in users]))
            continue
        report.merges.append(merge_account(loaded.doc, loaded.roster, name, account.id, users, backend=backend_cfg))
        edited = stale = True
    text = dump_yaml(loaded.doc, indent) if edited else loaded.source.text
    final = parse_roster(text, roster_path)
    roster = final.roster

    new_imports: dict[str, list[Import]] = {}
    for name, users in live_by_account.items():
        spec = roster.accounts[name]
        backend_cfg = spec.backend.model_dump() if spec.backend else None
        in_state = read_state_addresses(s3, backend_cfg) if s3 is not None else None
        report.state_readable[name] = None if backend_cfg is None else in_state is not None
        every = import_blocks(roster, name, users)
        blocks = [b for b in every if b.to not in (in_state or ())]
        new_imports[name] = blocks
        report.imports[name] = len(blocks)
        report.skipped_in_state[name] = len(every) - len(blocks)
        report.unmanaged[name] = unmanaged(roster, name, users)
    files = plan_files(final, out_dir, new_imports)
    files[roster_path] = text
    report.deleted = sorted(p for p, t in files.items() if t is None and p.exists())
    if dry_run:
        report.written = sorted(p for p, t in files.items() if not unchanged(p, t))
        return report
    if create and backend is not None:
        try:
            report.backend_created = create_backend(s3, dynamodb, backend)
        except botocore.exceptions.ClientError as exc:
            raise AwsAccessError(f"creating the state backend failed: {exc}") from None
    report.written = write_files(files)
    return report

