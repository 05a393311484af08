"""Pure history logic: series, changes, sparklines and the JSON/CSV shapes."""

from __future__ import annotations

from datetime import timedelta

from mfaguard.model import Adoption
from mfaguard.store.series import CSV_FIELDS, build_series, csv_rows, history_document, sparkline
from tests.store.factory import T0


def _a(key: str, with_mfa: int, in_scope: int = 10, label: str = "") -> Adoption:
    return Adoption("team", key, label or key, in_scope + 1, in_scope, with_mfa, with_mfa // 2, 0, 0)


def test_sparkline_uses_a_fixed_percentage_scale() -> None:
    assert sparkline([0, 50, 100]) == "▁▅█"
    assert sparkline([99.0, 99.1]) == "██"  # noise stays flat
    assert sparkline([-5, 150]) == "▁█"  # clamped
    assert sparkline([]) == ""
    assert sparkline([10, 20, 30, 40], width=2) == "▃▄"  # keeps the newest


def test_series_are_grouped_sorted_and_measure_change() -> None:
    history = [
        (T0, _a("web", 2)),
        (T0, _a("Data", 5)),
        (T0 + timedelta(days=7), _a("web", 6, label="Web team")),
        (T0 + timedelta(days=7), _a("Data", 4)),
        (T0 + timedelta(days=14), _a("web", 9, label="Web team")),
    ]
    data, web = build_series(history)
    assert (data.key, web.key) == ("Data", "web")
    assert web.label == "Web team"  # the newest label wins
    assert web.pcts == [20.0, 60.0, 90.0]
    assert web.change == 70.0
    assert data.change == -10.0
    assert [c for _, _, c in web.steps()] == [None, 40.0, 30.0]
    single = build_series([(T0, _a("ops", 1))])[0]
    assert single.change is None


def test_json_document_shape() -> None:
    series = build_series([(T0, _a("web", 2)), (T0 + timedelta(days=1), _a("web", 3))])
    doc = history_document(series, "team", since=T0)
    assert doc["kind"] == "mfaguard.history" and doc["schema_version"] == 1
    assert doc["scope"] == "team" and doc["since"] == T0.isoformat()
    [entry] = doc["series"]
    assert entry["key"] == "web" and entry["latest_pct"] == 30.0 and entry["change"] == 10.0
    assert entry["points"][0] == {
        "taken_at": T0.isoformat(),
        "users": 11,
        "in_scope": 10,
        "with_mfa": 2,
        "enforced": 1,
        "console_without_mfa": 0,
        "keys_without_mfa": 0,
        "pct": 20.0,
    }


def test_csv_rows_have_exactly_the_documented_columns() -> None:
    series = build_series([(T0, _a("web", 2)), (T0, _a("data", 3))])
    rows = list(csv_rows(series))
    assert [r["key"] for r in rows] == ["data", "web"]
    assert all(set(r) == set(CSV_FIELDS) for r in rows)
