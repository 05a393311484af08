"""Audit wall time and API calls at scale, mfaguard versus the naive per-user approach, in one run.

Scenarios (accounts x users per account): 1 x 1,000, 20 x 50, 100 x 20, against a moto server in a
subprocess on loopback. The naive approach is the seed write-up's script: for each account in turn,
ListUsers then ListMFADevices for every user. mfaguard runs as `mfaguard audit` does (Organizations
discovery, assumed roles, concurrency 8), once with device kinds (ListMFADevices only for users with
MFA) and once without.

    python -m benchmarks.audit_scale [--quick]

Writes benchmarks/results/audit_scale.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from mfaguard.audit import run_audit
from mfaguard.aws.sessions import ApiCounter
from mfaguard.config import AccountsConfig, AuditConfig, AwsConfig, Config
from mfaguard.sandbox.server import FAKE_CREDENTIALS

ROLE = "OrganizationAccountAccessRole"
RESULTS = Path(__file__).parent / "results" / "audit_scale.md"


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("moto server did not start")


def kwargs(url: str, creds: dict[str, str] | None = None) -> dict[str, Any]:
    kw: dict[str, Any] = {"endpoint_url": url, "region_name": "us-east-1",
                          "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                          "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}
    if creds:
        kw.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])
    return kw


def assumed(url: str, account: str) -> dict[str, str]:
    sts = boto3.client("sts", **kwargs(url))
    return sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench")["Credentials"]


def seed(url: str, accounts: int, users: int) -> list[str]:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b""))
    org = boto3.client("organizations", **kwargs(url))
    org.create_organization(FeatureSet="ALL")
    ids = [org.create_account(Email=f"a{i}@example.com", AccountName=f"acct-{i}")["CreateAccountStatus"]["AccountId"]
           for i in range(accounts)]

    def fill(account: str) -> None:
        iam = boto3.client("iam", **kwargs(url, assumed(url, account)))
        for n in range(users):
            name = f"user{n}"
            iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": f"team{n % 5}"}])
            if n % 3:
                iam.create_login_profile(UserName=name, Password="Bench-Passw0rd!")
            else:
                iam.create_access_key(UserName=name)
            if n % 5 < 3:  # 60% with MFA
                serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
                iam.enable_mfa_device(UserName=name, SerialNumber=serial, AuthenticationCode1="123456",
                                      AuthenticationCode2="234567")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fill, ids))
    return ids


def naive(url: str, ids: list[str]) -> tuple[float, int, int]:
    """The seed's approach: per account, ListUsers, then ListMFADevices for every user."""
    counter = ApiCounter()
    started = time.perf_counter()
    with_mfa = 0
    for account in ids:
        sts = boto3.client("sts", **kwargs(url))
        sts.meta.events.register("before-send", counter.hook("x"))
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="naive")["Credentials"]
        iam = boto3.client("iam", **kwargs(url, creds))
        iam.meta.events.register("before-send", counter.hook("x"))
        for page in iam.get_paginator("list_users").paginate():
            for user in page["Users"]:
                if iam.list_mfa_devices(UserName=user["UserName"])["MFADevices"]:
                    with_mfa += 1
    return time.perf_counter() - started, counter.total(), with_mfa


def mfaguard(url: str, device_kinds: bool) -> tuple[float, int, int]:
    cfg = Config(aws=AwsConfig(endpoint_url=url), accounts=AccountsConfig(source="organizations", role_name=ROLE,
                                                                          audit_management_account=False),
                 audit=AuditConfig(device_kinds=device_kinds))
    started = time.perf_counter()
    snapshot = run_audit(cfg).snapshot
    return time.perf_counter() - started, snapshot.api_calls, snapshot.org.with_mfa


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller scenarios (a smoke run)")
    args = parser.parse_args(argv if argv is not None else [])
    os.environ.update(FAKE_CREDENTIALS)
    scenarios = [(1, 100), (4, 25)] if args.quick else [(1, 1000), (20, 50), (100, 20)]
    proc, url = start_server()
    rows = []
    try:
        for accounts, users in scenarios:
            t = time.perf_counter()
            ids = seed(url, accounts, users)
            seeded = time.perf_counter() - t
            # Warm the credential reports so both approaches see the same server state.
            mfaguard(url, False)
            n_time, n_calls, n_mfa = naive(url, ids)
            m_time, m_calls, m_mfa = mfaguard(url, True)
            f_time, f_calls, f_mfa = mfaguard(url, False)
            assert n_mfa == m_mfa == f_mfa, (n_mfa, m_mfa, f_mfa)
            rows.append((accounts, users, n_time, n_calls, m_time, m_calls, f_time, f_calls))
            print(f"{accounts} x {users}: seeded in {seeded:.1f}s; naive {n_time:.2f}s/{n_calls} calls; "
                  f"mfaguard {m_time:.2f}s/{m_calls}; no device kinds {f_time:.2f}s/{f_calls}", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    lines = [
        "# Audit at scale: mfaguard versus the naive per-user approach",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, moto server (subprocess) on loopback; both approaches in the same run.",
        "Command: `python -m benchmarks.audit_scale`. 60% of users have a virtual MFA device.",
        "",
        "| accounts x users | naive time | naive calls | mfaguard time | mfaguard calls | speed-up | "
        "calls ratio | no-device-kinds time | no-device-kinds calls | calls ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for a, u, nt, nc, mt, mc, ft, fc in rows:
        lines.append(f"| {a} x {u:,} | {nt:.2f} s | {nc:,} | {mt:.2f} s | {mc:,} | {nt / mt:.1f}x | "
                     f"{nc / mc:.1f}x | {ft:.2f} s | {fc:,} | {nc / fc:.1f}x |")
    if not args.quick:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
