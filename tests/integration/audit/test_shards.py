"""A sharded audit into a real PostgreSQL store gives the same org snapshot as an unsharded audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from mfaguard.store import open_store
from tests.support.awsorg import Org, make_user
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.integration


def mfaguard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mfaguard", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env=os.environ.copy())


def test_sharded_audit_combines_to_the_unsharded_snapshot(
    org: Org, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    for n, name in enumerate(("a", "b", "c", "d", "e", "f")):
        iam = org.iam(org.add_member(name))
        for i in range(4):
            make_user(iam, f"{name}{i}", console=True, mfa=(i + n) % 3 == 0, keys=i % 2, team=f"t{i % 2}")
    url = postgres_server.create_database("shards")
    cfg = tmp_path / "mfaguard.toml"
    cfg.write_text(f'[aws]\nendpoint_url = "{org.emulator.url}"\n[accounts]\nsource = "organizations"\n'
                   f'role_name = "OrganizationAccountAccessRole"\n[store]\nurl = "{url}"\n')

    whole = mfaguard("-c", str(cfg), "audit", "--format", "json", "--no-store", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    shard_accounts = []
    for index in range(3):
        part = mfaguard("-c", str(cfg), "audit", "--shard", f"{index}/3", "--format", "json", cwd=tmp_path)
        assert part.returncode == 0, part.stderr
        shard_accounts.append({a["id"] for a in json.loads(part.stdout)["accounts"]})
    # Every account in exactly one shard.
    assert sum(len(s) for s in shard_accounts) == 7 and set().union(*shard_accounts) == {
        a["id"] for a in json.loads(whole.stdout)["accounts"]}

    combined = mfaguard("-c", str(cfg), "audit", "--combine", "3", "--format", "json", cwd=tmp_path)
    assert combined.returncode == 0, combined.stderr
    got, expected = json.loads(combined.stdout), json.loads(whole.stdout)
    assert got["adoption"] == expected["adoption"]
    assert got["users"] == expected["users"]
    assert sorted(map(json.dumps, got["findings"])) == sorted(map(json.dumps, expected["findings"]))

    # The combined snapshot is the store's latest org snapshot; shards stay out of history.
    hist = mfaguard("-c", str(cfg), "history", "--format", "json", cwd=tmp_path)
    (series,) = json.loads(hist.stdout)["series"]
    assert [p["pct"] for p in series["points"]] == [expected["org_pct"]]


def test_combine_without_all_shards_is_a_clear_error(tmp_path: Path) -> None:
    res = mfaguard("audit", "--combine", "2", "--store", str(tmp_path / "empty.db"), cwd=tmp_path)
    assert res.returncode == 2
    assert "no stored snapshot for shard 0/2" in res.stderr


def test_a_shard_ignores_fail_under_and_stale_shards_are_refused(org: Org, tmp_path: Path) -> None:
    iam = org.iam(org.add_member("a"))
    make_user(iam, "nomfa", console=True)
    store = tmp_path / "s.db"
    base = ["--endpoint-url", org.emulator.url, "--store", str(store)]
    cfg = tmp_path / "mfaguard.toml"
    cfg.write_text('[accounts]\nsource = "organizations"\nrole_name = "OrganizationAccountAccessRole"\n')
    for index in range(2):
        # Adoption is 0%: a shard still exits 0, the threshold is for the combined snapshot.
        res = mfaguard("-c", str(cfg), "audit", *base, "--shard", f"{index}/2", "--fail-under", "90", cwd=tmp_path)
        assert res.returncode == 0, res.stderr
    combined = mfaguard("-c", str(cfg), "audit", *base, "--combine", "2", "--fail-under", "90", cwd=tmp_path)
    assert combined.returncode == 4, combined.stderr

    # Shard 1/2 from a run five hours before shard 0/2: refused unless the window allows it.
    stale = tmp_path / "stale.db"
    with open_store(str(store)) as src, open_store(str(stale)) as dst:
        zero, one = src.latest(shard="0/2"), src.latest(shard="1/2")
        assert zero is not None and one is not None
        dst.save(zero)
        dst.save(replace(one, taken_at=zero.taken_at - timedelta(hours=5)))
    res = mfaguard("audit", "--combine", "2", "--store", str(stale), cwd=tmp_path)
    assert res.returncode == 2
    assert "shard snapshots from an earlier run: 1/2" in res.stderr
    ok = mfaguard("audit", "--combine", "2", "--store", str(stale), "--shard-window", "400", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
