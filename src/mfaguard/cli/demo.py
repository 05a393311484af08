"""`mfaguard demo`: the whole pipeline on an embedded sandbox organization (no AWS account needed)."""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from pathlib import Path

import click

from mfaguard.cli._audit_output import emit_metrics, exit_code, format_options, output_snapshot, save_snapshot
from mfaguard.config import AccountsConfig, AwsConfig, Config

__all__ = ["demo"]


def _default_demo_store() -> str:
    import platformdirs

    # Kept apart from the real history: sandbox snapshots must never mix with an organization's.
    path = Path(platformdirs.user_data_dir("mfaguard")) / "demo.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


@click.command()
@click.option("--accounts", "n_accounts", type=click.IntRange(1, 200), default=4, show_default=True,
              help="Member accounts besides the management account.")
@click.option("--users", "n_users", type=click.IntRange(1, 20000), default=150, show_default=True,
              help="IAM users across the organization.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the generated organization.")
@format_options
@click.option("--store", "store_url", metavar="URL", help="Where to store the snapshot (default: a demo store "
              "in the user data dir, apart from real audits).")
@click.option("--no-store", is_flag=True, help="Do not store the snapshot.")
@click.option("--statsd", metavar="HOST:PORT", help="Also send StatsD gauges there.")
@click.option("--days", type=click.IntRange(1, 365), default=1, show_default=True,
              help="Audit the sandbox once a day for this many (simulated) days while people enrol, for history.")
@click.option("--serve", is_flag=True, help="Keep the emulator running afterwards and print how to reach it.")
@click.pass_context
def demo(ctx: click.Context, n_accounts: int, n_users: int, seed: int, fmt: str, csv_table: str,
         output: str | None, top: int, store_url: str | None, no_store: bool, statsd: str | None,
         days: int, serve: bool) -> int:
    """Run the whole audit pipeline on an embedded sandbox organization.

    Starts the moto AWS emulator on 127.0.0.1, creates an organization (management + member accounts,
    teams, people with and without MFA, keys, hardware tokens, stale users), audits it through
    Organizations and assumed roles exactly as a real audit would, prints the report and stores the
    snapshot. Needs the `sandbox` extra.
    """
    from mfaguard.cli.audit import _metrics_overrides
    from mfaguard.sandbox.org import build_sandbox
    from mfaguard.sandbox.server import FAKE_CREDENTIALS, start_emulator

    emulator = start_emulator()
    try:
        # The sandbox's fake keys replace whatever credentials the environment has: nothing leaves loopback.
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(var, None)
        os.environ.update(FAKE_CREDENTIALS)
        started = time.monotonic()
        org = build_sandbox(emulator, accounts=n_accounts, users=n_users, seed=seed)
        click.echo(
            f"sandbox organization ready in {time.monotonic() - started:.1f}s: {len(org.accounts)} accounts, "
            f"{sum(org.users.values())} users (emulator at {emulator.url})", err=True,
        )
        config = Config(
            aws=AwsConfig(endpoint_url=emulator.url),
            accounts=AccountsConfig(source="organizations", role_name=org.role_name),
        )
        config = config.model_copy(update={"metrics": _metrics_overrides(config.metrics, statsd, None, None)})
        from mfaguard.audit import run_audit
        from mfaguard.model import utcnow
        from mfaguard.sandbox.org import enroll

        rng = random.Random(seed)
        store = None if no_store else (store_url or _default_demo_store())
        where = ""
        today = utcnow()
        for day in range(days):
            snapshot = run_audit(config, now=today - timedelta(days=days - 1 - day)).snapshot
            if store:
                where = save_snapshot(snapshot, store)
            if day < days - 1:
                # A day of rollout: some of the people without MFA enrol and are enforced.
                missing = [(u.account_id, u.name) for u in snapshot.users if u.in_scope and not u.mfa]
                enroll(emulator, org, rng.sample(missing, k=min(len(missing), max(1, len(missing) // 6))))
        output_snapshot(snapshot, fmt, output, csv_table, top)
        if store:
            # `where` is the store without a password; a file path can be given back as is.
            again = store if "://" not in store else "<the same URL>"
            click.echo(f"stored {days} snapshot(s), the last {snapshot.id}, in {where}\n"
                       f"  history: mfaguard history --store {again}", err=True)
        for warning in emit_metrics(snapshot, config.metrics):
            click.echo(f"warning: {warning}", err=True)
        if serve:
            click.echo(f"emulator running at {emulator.url} (Ctrl-C to stop); try:\n"
                       f"  AWS_ENDPOINT_URL={emulator.url} AWS_ACCESS_KEY_ID={FAKE_CREDENTIALS['AWS_ACCESS_KEY_ID']}"
                       " AWS_SECRET_ACCESS_KEY=... mfaguard audit", err=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return exit_code(snapshot, None)
    finally:
        emulator.stop()
