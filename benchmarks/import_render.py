"""Import + render at scale, and render of a large roster.

1. Import: one account with 2,000 IAM users with mixed attributes (console passwords, access keys,
   SSH keys, groups, tags) on a moto server (subprocess, loopback): `mfaguard import` end to end
   (read IAM, merge into an empty roster, validate, render, write import blocks), its API calls,
   and a second, idempotent run.
2. Render: a synthetic 10,000-person roster (two accounts, 20,000 IAM users): load + validate, render,
   and render again (byte-identical).

    python -m benchmarks.import_render [--quick]

Writes benchmarks/results/import_render.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from benchmarks.audit_scale import kwargs, start_server
from mfaguard.aws.sessions import AwsContext
from mfaguard.config import AwsConfig
from mfaguard.model import Account
from mfaguard.roster.importer import run_import
from mfaguard.roster.live import read_live_users
from mfaguard.roster.load import load_roster
from mfaguard.sandbox.server import FAKE_CREDENTIALS
from mfaguard.terraform_render import render

RESULTS = Path(__file__).parent / "results" / "import_render.md"


def _ssh(n: int) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(n.to_bytes(32, "big")).public_key()
    return key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()


def seed(url: str, users: int) -> dict[str, int]:
    iam = boto3.client("iam", **kwargs(url))
    for group in ("DeveloperMFAGroup", "AdminMFAGroup", "ops"):
        iam.create_group(GroupName=group)
    counts = {"console": 0, "keys": 0, "ssh": 0, "groups": 0}

    def one(i: int) -> None:
        name = ("first.last+{}@example.com" if i % 10 == 0 else "user{}").format(i)
        tags = [{"Key": "team", "Value": f"team{i % 20}"}] + ([{"Key": "email", "Value": f"p{i}@example.com"}]
                                                                if i % 2 else [])
        iam.create_user(UserName=name, Tags=tags)
        if i % 2 == 0:
            iam.create_login_profile(UserName=name, Password="Bench-Passw0rd!")
            counts["console"] += 1
        if i % 3 == 0:
            iam.create_access_key(UserName=name)
            counts["keys"] += 1
        if i % 4 == 0:
            iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=_ssh(10_000 + i))
            counts["ssh"] += 1
        if i % 5 < 2:
            iam.add_user_to_group(UserName=name, GroupName="DeveloperMFAGroup" if i % 5 == 0 else "ops")
            counts["groups"] += 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(users)))
    return counts


def bench_import(url: str, users: int) -> list[tuple[str, str, str, str]]:
    started = time.perf_counter()
    counts = seed(url, users)
    print(f"seeded {users} users in {time.perf_counter() - started:.1f}s: {counts}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for label in ("first import", "re-import (idempotent)"):
            ctx = AwsContext(AwsConfig(endpoint_url=url))
            account = Account(id=ctx.caller_account_id(), name="prod")
            times: dict[str, float] = {}

            def read(_: Account, ctx: AwsContext = ctx, times: dict[str, float] = times) -> list[Any]:
                t = time.perf_counter()
                live = read_live_users(ctx.client("iam", count_as="import"))
                times["read"] = time.perf_counter() - t
                return live

            calls_before = ctx.counter.total()
            t = time.perf_counter()
            report = run_import(root / "roster.yaml", root / "tf", [account], read, pgp_key="keybase:security")
            total = time.perf_counter() - t
            calls = ctx.counter.total() - calls_before
            blocks = sum(report.imports.values())
            rows.append((label, f"{total:.2f} s (reading IAM {times['read']:.2f} s, merge/validate/render/write "
                         f"{total - times['read']:.2f} s)", f"{calls:,}", f"{blocks:,} import blocks, "
                         f"{len(report.written)} files written"))
            print(rows[-1], flush=True)
        # What the report saves: every user's password and keys asked for one by one.
        ctx = AwsContext(AwsConfig(endpoint_url=url))
        t = time.perf_counter()
        read_live_users(ctx.client("iam"), use_report=False)
        rows.append(("reading IAM without the credential report", f"{time.perf_counter() - t:.2f} s",
                     f"{ctx.counter.total():,}", "same users, per-user GetLoginProfile/ListAccessKeys"))
        print(rows[-1], flush=True)
    return rows


def synthetic_roster(people: int) -> str:
    lines = ["version: 1", "defaults: {pgp_key: 'keybase:security'}", "teams:"]
    lines += [f"  team{t}: {{access: {'admin' if t == 0 else 'developer'}}}" for t in range(50)]
    lines += ["accounts:", '  prod: {id: "111111111111"}', '  dev: {id: "222222222222"}', "people:"]
    for i in range(people):
        lines += [
            f"  - id: person{i}",
            f"    name: Person {i}",
            f"    email: person{i}@example.com",
            f"    team: team{i % 50}",
            f"    enforcement: {'enforced' if i % 3 else 'pending'}",
            "    accounts:",
            f"      prod: {{user: 'first.last+{i}@example.com', console: true, cli: {str(i % 2 == 0).lower()}, "
            "groups: [ops]}",
            "      dev: {console: true}",
        ]
    return "\n".join(lines) + "\n"


def bench_render(people: int) -> list[tuple[str, str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.yaml"
        path.write_text(synthetic_roster(people))
        t = time.perf_counter()
        roster = load_roster(path).roster
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        files = render(roster)
        render_s = time.perf_counter() - t
        t = time.perf_counter()
        again = render(roster)
        again_s = time.perf_counter() - t
    assert again == files
    size = sum(len(v) for v in files.values())
    users = sum(len(p.users(a)) for p in roster.people for a in roster.accounts)
    return [
        (f"load + validate {people:,} people", f"{load_s:.2f} s", "0", "-"),
        (f"render ({users:,} module instances)", f"{render_s:.2f} s", "0", f"{len(files)} files, {size / 1e6:.1f} MB"),
        ("render again", f"{again_s:.2f} s", "0", "byte-identical"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller scenarios (a smoke run)")
    args = parser.parse_args(argv if argv is not None else [])
    os.environ.update(FAKE_CREDENTIALS)
    users, people = (200, 1_000) if args.quick else (2_000, 10_000)
    proc, url = start_server()
    try:
        import_rows = bench_import(url, users)
    finally:
        proc.terminate()
        proc.wait(10)
    render_rows = bench_render(people)
    for row in render_rows:
        print(row, flush=True)
    lines = [
        "# Import and render at scale",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}, moto server (subprocess) on loopback; load average "
        f"{os.getloadavg()[0]:.1f} at the end (the machine was shared: times are upper bounds).",
        f"Command: `python -m benchmarks.import_render{' --quick' if args.quick else ''}`.",
        "",
        f"## Import: 1 account x {users:,} IAM users",
        "",
        "Half have a console password, a third an access key, a quarter an SSH key, 40% a group; every tenth "
        "is named like an email address. API calls are counted by botocore (retries included).",
        "",
        "The roster starts empty; the second run finds every user in it and writes nothing (no state exists "
        "here, so every object keeps its import block; with a readable state, objects in it are skipped). "
        "Calls: GetAccountAuthorizationDetails (users, groups, tags; 1,000 per page), the credential report, "
        "then GetLoginProfile only for users with a password, ListAccessKeys only for users with keys, "
        "ListSSHPublicKeys for everyone (no bulk API has SSH keys) and GetSSHPublicKey per key. Terraform is "
        "not run here (the end-to-end test runs it on 50 users: `Plan: N to import, 0 to add, 0 to change`).",
        "",
        "| run | time | API calls | result |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in import_rows],
        "",
        f"## Render: {people:,} people",
        "",
        "Each person has a user in two accounts (console everywhere, an access key for half, an extra group).",
        "",
        "| step | time | API calls | result |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in render_rows],
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
