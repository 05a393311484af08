"""`mfaguard report --roster`: the HTML report shows each wave's progress from the roster and the audit."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from mfaguard.audit.evaluate import adoption
from mfaguard.cli import cli
from mfaguard.store import open_store
from tests.rollout.factory import PROD, ROSTER, STAGING, all_ready, snapshot
from tests.rollout.factory import replace as replace_user


def test_report_shows_the_roster_waves(tmp_path: Path) -> None:
    users = replace_user(all_ready(), PROD, "carol", mfa=False)  # the pilot wave is blocked by carol
    snap = snapshot(users)
    snap = replace(snap, adoption=tuple(adoption((PROD, STAGING), snap.users, set())))
    with open_store(str(tmp_path / "s.db")) as store:
        store.save(snap)
    (tmp_path / "roster.yaml").write_text(ROSTER)

    result = CliRunner().invoke(cli, ["report", "--html", "-", "--store", str(tmp_path / "s.db"),
                                      "--roster", str(tmp_path / "roster.yaml")], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    html = result.stdout
    text = re.sub(r"<[^>]+>", " ", html)
    for wave in ("sre", "pilot", "everyone"):
        assert re.search(rf"\b{wave}\b", text), wave
    assert "blocked" in text and "2026-04-01" in text


def test_report_without_a_roster_has_no_rollout_section(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    snap = snapshot(all_ready())
    snap = replace(snap, adoption=tuple(adoption((PROD, STAGING), snap.users, set())))
    with open_store(str(tmp_path / "s.db")) as store:
        store.save(snap)
    result = CliRunner().invoke(cli, ["report", "--html", "-", "--store", str(tmp_path / "s.db")],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "2026-04-01" not in result.stdout
