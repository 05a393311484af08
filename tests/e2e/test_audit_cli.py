"""`mfaguard audit` and `mfaguard demo` as a person runs them: a subprocess, a config file, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mfaguard.report.tabular import ADOPTION_COLUMNS, USER_COLUMNS
from mfaguard.sandbox.server import Emulator
from tests.support.awsorg import Org, make_user
from tests.support.faultproxy import FaultProxy, aws_error, fail_first
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.integration


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mfaguard", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=os.environ.copy())


def write_config(path: Path, endpoint: str, extra: str = "") -> Path:
    path.write_text(
        f'[aws]\nendpoint_url = "{endpoint}"\nmax_attempts = 2\n\n'
        f'[accounts]\nsource = "organizations"\nrole_name = "OrganizationAccountAccessRole"\n{extra}'
    )
    return path


@pytest.fixture
def populated(org: Org) -> Org:
    dev = org.add_member("dev")
    iam = org.iam(dev)
    make_user(iam, "alice", console=True, mfa=True, team="web")
    make_user(iam, "bob", console=True, team="web")
    make_user(iam, "carol", keys=1, team="data")
    return org


def test_audit_json_is_stored_and_follows_the_schema(populated: Org, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "mfaguard.toml", populated.emulator.url)
    store = tmp_path / "history.db"
    res = run("-c", str(cfg), "audit", "--format", "json", "--store", str(store), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["schema_version"] == 1
    assert data["org_pct"] == pytest.approx(33.33)
    assert {u["name"] for u in data["users"]} == {"alice", "bob", "carol"}
    assert {f["id"] for f in data["findings"]} >= {"MFA001", "MFA002", "MFA003"}
    assert f"stored snapshot {data['id']}" in res.stderr

    hist = run("history", "--store", str(store), "--format", "json", cwd=tmp_path)
    assert hist.returncode == 0, hist.stderr
    (series,) = json.loads(hist.stdout)["series"]
    assert [p["pct"] for p in series["points"]] == [33.33]


def test_audit_csv_tables(populated: Org, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "mfaguard.toml", populated.emulator.url)
    users = run("-c", str(cfg), "audit", "--format", "csv", "--no-store", cwd=tmp_path)
    assert users.returncode == 0, users.stderr
    rows = list(csv.DictReader(io.StringIO(users.stdout)))
    assert tuple(rows[0].keys()) == USER_COLUMNS
    assert {(r["user"], r["mfa"], r["team"]) for r in rows} == {
        ("alice", "true", "web"), ("bob", "false", "web"), ("carol", "false", "data")}
    out = tmp_path / "adoption.csv"
    res = run("-c", str(cfg), "audit", "--format", "csv", "--csv-table", "adoption", "-o", str(out), "--no-store",
              cwd=tmp_path)
    assert res.returncode == 0 and res.stdout == ""
    adoption = list(csv.DictReader(out.open()))
    assert tuple(adoption[0].keys()) == ADOPTION_COLUMNS
    assert adoption[0]["scope"] == "org" and float(adoption[0]["pct"]) == pytest.approx(33.33)


def test_fail_under_exits_4(populated: Org, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "mfaguard.toml", populated.emulator.url)
    res = run("-c", str(cfg), "audit", "--no-store", "--fail-under", "50", cwd=tmp_path)
    assert res.returncode == 4
    assert "under --fail-under 50" in res.stderr
    assert run("-c", str(cfg), "audit", "--no-store", "--fail-under", "30", cwd=tmp_path).returncode == 0


def test_partial_audit_exits_3_and_stores_the_rest(populated: Org, tmp_path: Path) -> None:
    denied = populated.add_member("denied")
    proxy = FaultProxy(upstream=populated.emulator.url).start()
    try:
        proxy.rules.append(fail_first("AssumeRole", 100, aws_error("AccessDenied", "denied", 403),
                                      when=lambda r: denied in r.params.get("RoleArn", "")))
        cfg = write_config(tmp_path / "mfaguard.toml", proxy.url)
        store = tmp_path / "s.db"
        res = run("-c", str(cfg), "audit", "--format", "json", "--store", str(store), cwd=tmp_path)
    finally:
        proxy.stop()
    assert res.returncode == 3, res.stderr
    assert f"1 account(s) failed: {denied}" in res.stderr
    data = json.loads(res.stdout)
    assert [e["account_id"] for e in data["errors"]] == [denied]
    assert {u["name"] for u in data["users"]} == {"alice", "bob", "carol"}
    assert store.exists()


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[audit]\nconcurrency = "many"\n', "mfaguard.toml:2: field 'audit.concurrency'"),
        ("[acounts]\n", "mfaguard.toml:1: field 'acounts': unknown setting"),
        ('[accounts]\nsource = "config"\n[[accounts.list]]\nid = 1234\n', "field 'accounts.list.0.id'"),
        ("[aws\n", "not valid TOML"),
    ],
)
def test_bad_config_exits_2_with_file_line_and_field(tmp_path: Path, toml: str, expected: str) -> None:
    (tmp_path / "mfaguard.toml").write_text(toml)
    res = run("audit", cwd=tmp_path)
    assert res.returncode == 2
    assert expected in res.stderr
    assert "Traceback" not in res.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    res = run("-c", "nope.toml", "audit", cwd=tmp_path)
    assert res.returncode == 2 and "nope.toml: cannot read" in res.stderr


def test_demo_runs_the_whole_pipeline(tmp_path: Path) -> None:
    store = tmp_path / "demo.db"
    res = run("demo", "--accounts", "4", "--users", "40", "--seed", "3", "--days", "2", "--store", str(store),
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "MFA adoption per account" in res.stdout and "MFA adoption per team" in res.stdout
    assert "5/5 accounts, 40 users" in res.stdout.replace("\n", " ")
    hist = run("history", "--store", str(store), "--format", "json", cwd=tmp_path)
    (series,) = json.loads(hist.stdout)["series"]
    # Two simulated days, and adoption went up between them as people enrolled.
    pcts = [p["pct"] for p in series["points"]]
    assert len(pcts) == 2 and pcts[1] > pcts[0], pcts


def test_every_command_has_help(tmp_path: Path) -> None:
    from mfaguard.cli import COMMANDS

    top = run("--help", cwd=tmp_path)
    assert top.returncode == 0
    for name in COMMANDS:
        assert name in top.stdout
        res = run(name, "--help", cwd=tmp_path)
        assert res.returncode == 0 and "Usage:" in res.stdout, (name, res.stderr)


def test_audit_into_postgresql_then_history(populated: Org, tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("audit_e2e")
    cfg = write_config(tmp_path / "mfaguard.toml", populated.emulator.url, f'\n[store]\nurl = "{url}"\n')
    first = run("-c", str(cfg), "audit", "--format", "json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    iam = populated.iam(populated.members["dev"])
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"]
    iam.enable_mfa_device(UserName="bob", SerialNumber=device["SerialNumber"], AuthenticationCode1="111111",
                          AuthenticationCode2="222222")
    second = run("-c", str(cfg), "audit", "--format", "json", cwd=tmp_path)
    assert json.loads(second.stdout)["org_pct"] == pytest.approx(66.67)
    # The password of the URL never reaches the output.
    assert postgres_server.password and postgres_server.password not in first.stderr + second.stderr
    hist = run("-c", str(cfg), "history", "--format", "json", cwd=tmp_path)
    assert hist.returncode == 0, hist.stderr
    (series,) = json.loads(hist.stdout)["series"]
    assert [p["pct"] for p in series["points"]] == [33.33, 66.67]



def test_without_a_config_the_callers_own_account_is_audited(populated: Org, tmp_path: Path) -> None:
    make_user(populated.iam(populated.management), "root-admin", console=True, mfa=True)
    res = run("audit", "--endpoint-url", populated.emulator.url, "--format", "json", "--no-store", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [a["id"] for a in data["accounts"]] == [populated.management]
    assert [u["name"] for u in data["users"]] == ["root-admin"]


def test_no_credentials_is_a_clear_error_exit_1(moto: Emulator, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ACCESS") and not k.startswith("AWS_SECRET")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    res = subprocess.run([sys.executable, "-m", "mfaguard", "audit", "--endpoint-url", moto.url, "--no-store"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 1
    assert "no AWS credentials found" in res.stderr and "hint:" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_statsd_address_is_a_usage_error(tmp_path: Path) -> None:
    for bad in ("127.0.0.1:99999", "nohost", ":8125"):
        res = run("audit", "--statsd", bad, "--no-store", cwd=tmp_path)
        assert res.returncode == 2, (bad, res.stderr)
        assert "--statsd" in res.stderr


def test_demo_into_postgresql_never_prints_the_password(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("demo_e2e")
    res = run("demo", "--users", "12", "--accounts", "1", "--store", url, "--format", "json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert postgres_server.password not in res.stderr + res.stdout
    assert "stored 1 snapshot(s)" in res.stderr
