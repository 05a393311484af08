"""`mfaguard history` end to end through the click group, on stores filled with built snapshots."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mfaguard.cli import cli
from mfaguard.errors import MfaguardError
from mfaguard.model import utcnow
from mfaguard.store import open_store
from mfaguard.store.series import CSV_FIELDS
from tests.store.factory import snapshot, weekly
from tests.support.ports import free_port


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=True)


@pytest.fixture
def filled(tmp_path: Path) -> str:
    """A SQLite store with six weekly snapshots; org adoption climbs 20, 40, 60, 80, 100, 100 %."""
    path = str(tmp_path / "history.db")
    with open_store(path) as store:
        for snap in weekly(6):
            store.save(snap)
    return path


def test_org_table_shows_trend_change_and_each_snapshot(filled: str) -> None:
    result = run("history", "--store", filled)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "MFA adoption by organization, 6 snapshot(s), 2026-01-05 to 2026-02-09" in out
    assert "100.0%" in out and "+80.0" in out
    assert "▂▄▅▇██" in out
    assert "2026-01-19 09:30" in out and "60.0%" in out and "+20.0" in out


def test_account_table_has_one_row_per_account(filled: str) -> None:
    result = run("history", "--store", filled, "--scope", "account")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip().startswith(("prod", "staging"))]
    assert len(lines) == 2
    prod, staging = lines
    assert "+66.7" in prod and "▃▆████" in prod
    assert "+100.0" in staging and "▁▁▁▅██" in staging


def test_json_follows_the_documented_schema(filled: str) -> None:
    result = run("history", "--store", filled, "--scope", "team", "--format", "json", "--limit", "3")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["kind"] == "mfaguard.history" and doc["schema_version"] == 1 and doc["scope"] == "team"
    assert [s["key"] for s in doc["series"]] == ["data", "web"]
    web = doc["series"][1]
    assert [p["taken_at"][:10] for p in web["points"]] == ["2026-01-26", "2026-02-02", "2026-02-09"]
    assert [p["pct"] for p in web["points"]] == [66.67, 100.0, 100.0]
    assert web["change"] == 33.33 and web["latest_pct"] == 100.0


def test_csv_has_a_stable_header_and_one_row_per_key_and_snapshot(filled: str) -> None:
    result = run("history", "--store", filled, "--scope", "account", "--format", "csv")
    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == CSV_FIELDS
    rows = list(reader)
    assert len(rows) == 12
    assert rows[0]["key"] == "111111111111" and rows[0]["label"] == "prod"
    assert [r["pct"] for r in rows if r["key"] == "222222222222"] == ["0.0", "0.0", "0.0", "50.0", "100.0", "100.0"]


@pytest.mark.parametrize("key", ["222222222222", "staging", "STAGING"])
def test_key_selects_an_account_by_id_or_name(filled: str, key: str) -> None:
    result = run("history", "--store", filled, "--scope", "account", "--key", key, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [s["key"] for s in json.loads(result.stdout)["series"]] == ["222222222222"]


def test_unknown_key_lists_the_known_ones(filled: str) -> None:
    result = run("history", "--store", filled, "--scope", "team", "--key", "finance")
    assert isinstance(result.exception, MfaguardError)
    assert "no team 'finance'" in str(result.exception)
    assert "data, web" in result.exception.hint


def test_since_accepts_a_date_and_an_age(tmp_path: Path) -> None:
    path = str(tmp_path / "recent.db")
    now = utcnow()
    with open_store(path) as store:
        store.save(snapshot("old", now - timedelta(days=60), with_mfa=1))
        store.save(snapshot("recent", now - timedelta(days=10), with_mfa=3))
    by_age = run("history", "--store", path, "--since", "30d", "--format", "json")
    assert by_age.exit_code == 0, by_age.output
    [series] = json.loads(by_age.stdout)["series"]
    assert [p["pct"] for p in series["points"]] == [60.0]
    day = (now - timedelta(days=61)).date().isoformat()
    by_date = run("history", "--store", path, "--since", day, "--format", "json")
    assert [p["pct"] for p in json.loads(by_date.stdout)["series"][0]["points"]] == [20.0, 60.0]


def test_bad_since_is_a_usage_error(filled: str) -> None:
    result = run("history", "--store", filled, "--since", "last tuesday")
    assert result.exit_code == 2
    assert "neither a date" in result.output


def test_limit_keeps_the_newest_snapshots(filled: str) -> None:
    result = run("history", "--store", filled, "--format", "csv", "--limit", "2")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["taken_at"][:10] for r in rows] == ["2026-02-02", "2026-02-09"]
    everything = run("history", "--store", filled, "--format", "csv", "--limit", "0")
    assert len(list(csv.DictReader(io.StringIO(everything.stdout)))) == 6


def test_store_comes_from_config_env_or_flag_in_that_order(filled: str, tmp_path: Path) -> None:
    other = str(tmp_path / "other.db")
    with open_store(other) as store:
        store.save(snapshot("only-one", with_mfa=4))
    config = tmp_path / "mfaguard.toml"
    config.write_text(f'[store]\nurl = "{filled}"\n')

    def points(*extra: str, env: dict[str, str] | None = None) -> int:
        result = run("-c", str(config), "history", "--format", "json", *extra, env=env)
        assert result.exit_code == 0, result.output
        return len(json.loads(result.stdout)["series"][0]["points"])

    assert points() == 6
    assert points(env={"MFAGUARD_STORE": other}) == 1
    assert points("--store", filled, env={"MFAGUARD_STORE": other}) == 6


def test_empty_store_says_what_to_do(tmp_path: Path) -> None:
    path = str(tmp_path / "empty.db")
    table = run("history", "--store", path)
    assert table.exit_code == 0
    assert "no snapshots in the store" in table.stderr and "mfaguard audit" in table.stderr
    as_json = run("history", "--store", path, "--format", "json")
    assert json.loads(as_json.stdout)["series"] == []


@pytest.mark.integration
def test_history_reads_the_same_from_sqlite_and_postgresql(store_url: str) -> None:
    with open_store(store_url) as store:
        for snap in weekly(4):
            store.save(snap)
    result = run("history", "--store", store_url, "--scope", "team", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {s["key"]: [p["pct"] for p in s["points"]] for s in doc["series"]} == {
        "data": [0.0, 0.0, 50.0, 100.0],
        "web": [33.33, 66.67, 66.67, 66.67],
    }


@pytest.mark.integration
def test_unreachable_store_is_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    url = f"postgresql://audit:Pa55wordNotShown@127.0.0.1:{free_port()}/mfaguard"
    proc = subprocess.run(
        [sys.executable, "-m", "mfaguard", "history", "--store", url],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: opening failed for the store at postgresql+psycopg://audit:***@")
    assert "hint:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Pa55wordNotShown" not in proc.stderr + proc.stdout
