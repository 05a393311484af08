"""`mfaguard import`: live IAM users -> roster + Terraform + `import {}` blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = ["import_"]


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _roster_ids(roster_path: Path, wanted: list[str]) -> list[str]:
    """Account names of the roster (``prod``) as their ids, which the account configuration knows."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if not wanted or not roster_path.exists():
        return wanted
    try:
        # Only the account ids: a plain parse, not the whole validation (run_import does that).
        accounts = (YAML(typ="safe", pure=False).load(roster_path.read_text(encoding="utf-8")) or {})["accounts"]
        ids = {str(name): str(spec["id"]) for name, spec in accounts.items()}
    except (OSError, YAMLError, LookupError, TypeError, AttributeError):
        return wanted  # run_import reports the roster's problems
    return [ids.get(w, w) for w in wanted]


@click.command("import")
@click.option("-a", "--account", "accounts", multiple=True, metavar="IDS",
              help="Accounts to import (ids, configured names or roster names, comma-separated or repeated; "
              "default: all configured).")
@click.option("-r", "--roster", "roster_path", type=click.Path(dir_okay=False),
              help="Roster file (default: [roster] path, then roster.yaml); created when missing.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              help="Terraform output directory (default: [roster] terraform_dir, then terraform/accounts).")
@click.option("--backend-bucket", metavar="BUCKET", help="S3 bucket for the Terraform state.")
@click.option("--backend-key", metavar="KEY", help="State key; {account} and {account_id} are replaced "
              "(default mfaguard/users/{account}.tfstate).")
@click.option("--backend-region", metavar="REGION", help="Region of the state bucket.")
@click.option("--lock-table", metavar="TABLE", help="DynamoDB table for state locking.")
@click.option("--create-backend", is_flag=True,
              help="Create the state bucket (and lock table) if missing. Without it nothing in AWS changes.")
@click.option("--pgp-key", metavar="REF", help="defaults.pgp_key for imported people: keybase:<user> or a "
              "public key file relative to the roster (the iam-user module needs one for console passwords and "
              "access keys).")
@click.option("--dry-run", is_flag=True, help="Read AWS and show what would change; write nothing.")
@click.option("--endpoint-url", metavar="URL", help="AWS endpoint override (an emulator).")
@click.pass_context
def import_(ctx: click.Context, accounts: tuple[str, ...], roster_path: str | None, out_dir: str | None,
            backend_bucket: str | None, backend_key: str | None, backend_region: str | None,
            lock_table: str | None, create_backend: bool, pgp_key: str | None, dry_run: bool,
            endpoint_url: str | None) -> int:
    """Import live IAM users into the roster and Terraform.

    Reads every IAM user (groups, console password, access keys, SSH keys, tags) of the chosen
    accounts, adds the ones the roster lacks (hand-written entries are never changed), renders the
    Terraform and writes `import {}` blocks for every existing object, skipping those already in the
    state. `terraform plan` then shows imports and nothing else. Re-running is safe.
    """
    from mfaguard.aws.discovery import discover_accounts
    from mfaguard.aws.sessions import AwsContext, assume_account
    from mfaguard.config import load_config
    from mfaguard.model import Account
    from mfaguard.roster.importer import BackendOptions, run_import
    from mfaguard.roster.live import read_live_users
    from mfaguard.roster.settings import roster_settings

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    if endpoint_url:
        config = config.model_copy(update={"aws": config.aws.model_copy(update={"endpoint_url": endpoint_url})})
    settings = roster_settings(config.extra, config.source_path or "mfaguard.toml")
    aws = AwsContext(config.aws)
    caller = aws.caller_account_id()
    roster_file = Path(roster_path or settings.path)
    chosen = discover_accounts(aws, config.accounts, caller, _roster_ids(roster_file, _split(accounts)) or None)

    def read_users(account: Account) -> list[Any]:
        session = assume_account(aws, account, config.accounts, caller)
        return read_live_users(aws.client("iam", session, count_as=account.id))

    bucket = backend_bucket or settings.backend_bucket
    backend = BackendOptions(
        bucket=bucket,
        key=backend_key or settings.backend_key,
        region=backend_region or settings.backend_region,
        lock_table=lock_table or settings.lock_table,
    ) if bucket else None
    report = run_import(
        roster_file,
        Path(out_dir or settings.terraform_dir),
        chosen,
        read_users,
        backend=backend,
        s3=aws.client("s3"),
        dynamodb=aws.client("dynamodb") if create_backend and backend and backend.lock_table else None,
        create=create_backend,
        pgp_key=pgp_key or settings.pgp_key,
        dry_run=dry_run,
    )
    for merge in report.merges:
        a = merge.account
        click.echo(f"{a}: {len(merge.new_people)} new people, {len(merge.attached)} users joined existing people, "
                   f"{len(merge.already)} already in the roster; {report.imports.get(a, 0)} import blocks"
                   + (f" ({report.skipped_in_state[a]} already in state)" if report.skipped_in_state.get(a) else ""))
        if report.state_readable.get(a) is False:
            click.echo(f"{a}: state not readable (not created yet?): every object gets an import block", err=True)
        for owner, user in merge.not_joined:
            click.echo(f"{a}: note: user {user} matches person {owner} but lacks their groups or SSH keys: "
                       "imported as a person of its own (merge them by hand if they are the same)", err=True)
        for note in report.unmanaged.get(a, []):
            click.echo(f"{a}: note: {note}", err=True)
    for created in report.backend_created:
        click.echo(f"created {created}")
    for path in report.written:
        verb = ("would delete" if dry_run else "deleted") if path in report.deleted else (
            "would write" if dry_run else "wrote")
        click.echo(f"{verb} {path}")
    if not backend and not dry_run:
        click.echo("no --backend-bucket: state stays local until accounts.<name>.backend is set in the roster",
                   err=True)
    click.echo(f"{aws.counter.total()} AWS API calls", err=True)
    return 0
