"""Generate the two Grafana dashboards (Graphite and Prometheus) from one panel list.

Run ``python deploy/grafana/generate.py`` after changing a panel; the tests check the committed JSON is
what this script writes. The metric names follow docs/metrics.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# Prometheus queries aggregate with max, never sum: a sharded audit pushes each shard's per-account
# metrics in a group of its own besides the combined snapshot's, and max picks one copy of each series.

# (title, kind, unit, graphite target(s), prometheus expr(s) with legend, width, height, description)
PANELS: list[dict[str, Any]] = [
    {
        "title": "Organization MFA adoption", "kind": "stat", "unit": "percent", "w": 6, "h": 5,
        "description": "Share of users who can sign in or hold an active access key and have MFA.",
        "graphite": ["alias($prefix.org.adoption_pct, 'adoption')"],
        "prometheus": [("100 * max(mfaguard_org_mfa_adoption_ratio{job=~\"$job\"})", "adoption")],
        "thresholds": [("red", None), ("orange", 80), ("green", 99)],
    },
    {
        "title": "Console users without MFA", "kind": "stat", "unit": "short", "w": 6, "h": 5,
        "description": "Users with a console password and no MFA device: the first to fix.",
        "graphite": ["alias($prefix.org.console_without_mfa, 'users')"],
        "prometheus": [("max(mfaguard_org_console_without_mfa_users{job=~\"$job\"})", "users")],
        "thresholds": [("green", None), ("red", 1)],
    },
    {
        "title": "Accounts that failed the last audit", "kind": "stat", "unit": "short", "w": 6, "h": 5,
        "description": "Accounts whose IAM data could not be read (role missing, access denied, ...).",
        "graphite": ["alias($prefix.audit.failed_accounts, 'failed')"],
        "prometheus": [("max(mfaguard_audit_failed_accounts{job=~\"$job\"})", "failed")],
        "thresholds": [("green", None), ("red", 1)],
    },
    {
        "title": "Age of the last audit", "kind": "stat", "unit": "s", "w": 6, "h": 5,
        "description": "Time since the last audit ran. Alert when it exceeds the audit schedule.",
        # The age in seconds on both, so that one set of thresholds applies: timeFunction is Graphite's
        # clock, keepLastValue carries the last audit's timestamp forward when StatsD stops re-sending it.
        "graphite": [
            "alias(diffSeries(timeFunction('now'), keepLastValue($prefix.audit.last_timestamp_seconds)), 'age')"
        ],
        "prometheus": [("time() - max(mfaguard_audit_last_timestamp_seconds{job=~\"$job\"})", "age")],
        "thresholds": [("green", None), ("orange", 93600), ("red", 172800)],
    },
    {
        "title": "Organization MFA adoption over time", "kind": "timeseries", "unit": "percent", "w": 24, "h": 8,
        "description": "Adoption and enforcement across the whole organization.",
        "graphite": [
            "alias($prefix.org.adoption_pct, 'adoption %')",
            "alias(asPercent($prefix.org.enforced, $prefix.org.users), 'enforced %')",
        ],
        "prometheus": [
            ("100 * max(mfaguard_org_mfa_adoption_ratio{job=~\"$job\"})", "adoption %"),
            (
                "100 * max(mfaguard_org_enforced_users{job=~\"$job\"}) "
                "/ max(mfaguard_org_users{job=~\"$job\"})",
                "enforced %",
            ),
        ],
        "max": 100,
    },
    {
        "title": "MFA adoption per account", "kind": "timeseries", "unit": "percent", "w": 12, "h": 9,
        "description": "Adoption per AWS account (legend: account id).",
        "graphite": ["aliasByNode($prefix.account.*.adoption_pct, -2)"],
        "prometheus": [
            ("100 * max by (account_id, account_name) (mfaguard_account_mfa_adoption_ratio{job=~\"$job\"})",
             "{{account_name}} ({{account_id}})"),
        ],
        "max": 100,
    },
    {
        "title": "MFA adoption per team", "kind": "timeseries", "unit": "percent", "w": 12, "h": 9,
        "description": "Adoption per team (from the user's team tag or the roster).",
        "graphite": ["aliasByNode($prefix.team.*.adoption_pct, -2)"],
        "prometheus": [
            ("100 * max by (team) (mfaguard_team_mfa_adoption_ratio{job=~\"$job\"})", "{{team}}"),
        ],
        "max": 100,
    },
    {
        "title": "Users without MFA per account", "kind": "bargauge", "unit": "short", "w": 12, "h": 9,
        "description": "In-scope users without MFA, console and access-key users.",
        "graphite": ["groupByNode($prefix.account.*.{console_without_mfa,keys_without_mfa}, -2, 'sumSeries')"],
        "prometheus": [
            (
                "max by (account_id, account_name) (mfaguard_account_console_without_mfa_users{job=~\"$job\"}) "
                "+ max by (account_id, account_name) (mfaguard_account_keys_without_mfa_users{job=~\"$job\"})",
                "{{account_name}} ({{account_id}})",
            ),
        ],
    },
    {
        "title": "Open findings by id", "kind": "timeseries", "unit": "short", "w": 12, "h": 9,
        "description": "Findings of the audit by id (docs/findings.md); fixed findings fall to 0.",
        "graphite": ["aliasByNode($prefix.org.findings.*, -1)"],
        "prometheus": [("max by (finding) (mfaguard_org_findings{job=~\"$job\"})", "{{finding}}")],
        "stack": True,
    },
    {
        "title": "Audit duration", "kind": "timeseries", "unit": "s", "w": 12, "h": 7,
        "description": "Wall time of each audit run.",
        "graphite": ["alias($prefix.audit.duration_seconds, 'duration')"],
        "prometheus": [("max(mfaguard_audit_duration_seconds{job=~\"$job\"})", "duration")],
    },
    {
        "title": "Accounts audited and failed", "kind": "timeseries", "unit": "short", "w": 12, "h": 7,
        "description": "How many accounts each audit covered, and how many it could not read.",
        "graphite": [
            "alias($prefix.audit.accounts, 'audited')",
            "alias($prefix.audit.failed_accounts, 'failed')",
        ],
        "prometheus": [
            ("max(mfaguard_audit_accounts{job=~\"$job\"})", "audited"),
            ("max(mfaguard_audit_failed_accounts{job=~\"$job\"})", "failed"),
        ],
    },
]


def _layout() -> list[dict[str, int]]:
    x = y = row_h = 0
    out = []
    for panel in PANELS:
        if x + panel["w"] > 24:
            x, y, row_h = 0, y + row_h, 0
        out.append({"x": x, "y": y, "w": panel["w"], "h": panel["h"]})
        x += panel["w"]
        row_h = max(row_h, panel["h"])
    return out


def _panel(index: int, spec: dict[str, Any], grid: dict[str, int], flavour: str) -> dict[str, Any]:
    datasource = {"type": flavour, "uid": "${datasource}"}
    if flavour == "graphite":
        targets = [
            {"refId": chr(65 + i), "target": t, "datasource": datasource} for i, t in enumerate(spec["graphite"])
        ]
    else:
        targets = [
            {"refId": chr(65 + i), "expr": e, "legendFormat": legend, "datasource": datasource}
            for i, (e, legend) in enumerate(spec["prometheus"])
        ]
    defaults: dict[str, Any] = {"unit": spec["unit"]}
    if "max" in spec:
        defaults["min"], defaults["max"] = 0, spec["max"]
    if "thresholds" in spec:
        defaults["thresholds"] = {
            "mode": "absolute",
            "steps": [{"color": color, "value": value} for color, value in spec["thresholds"]],
        }
        defaults["color"] = {"mode": "thresholds"}
    if spec["kind"] == "timeseries":
        defaults["custom"] = {
            "drawStyle": "line", "lineWidth": 2, "fillOpacity": 10, "showPoints": "auto",
            # Audits run a few times a day: join the points instead of drawing dots.
            "spanNulls": True,
            "stacking": {"mode": "normal" if spec.get("stack") else "none", "group": "A"},
        }
    options: dict[str, Any]
    if spec["kind"] == "stat":
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                   "colorMode": "background", "graphMode": "area", "textMode": "value"}
    elif spec["kind"] == "bargauge":
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                   "orientation": "horizontal", "displayMode": "gradient"}
    else:
        options = {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull"]},
                   "tooltip": {"mode": "multi", "sort": "desc"}}
    return {
        "id": index + 1,
        "type": spec["kind"],
        "title": spec["title"],
        "description": spec["description"],
        "datasource": datasource,
        "gridPos": grid,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
    }


def dashboard(flavour: str) -> dict[str, Any]:
    variables: list[dict[str, Any]] = [
        {
            "name": "datasource", "label": "Data source", "type": "datasource", "query": flavour,
            "current": {}, "hide": 0, "refresh": 1,
        }
    ]
    if flavour == "graphite":
        variables.append({
            "name": "prefix", "label": "Metric prefix", "type": "textbox",
            "description": "StatsD's gauge namespace plus mfaguard's [metrics.statsd] prefix",
            "query": "stats.gauges.mfaguard",
            "current": {"text": "stats.gauges.mfaguard", "value": "stats.gauges.mfaguard"},
            "hide": 0,
        })
    else:
        variables.append({
            "name": "job", "label": "Job", "type": "query",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "query": {"query": "label_values(mfaguard_org_users, job)", "refId": "jobs"},
            "definition": "label_values(mfaguard_org_users, job)",
            "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
            "current": {"text": "All", "value": "$__all"}, "hide": 0,
        })
    return {
        "uid": f"mfaguard-{flavour}",
        "title": f"mfaguard: MFA adoption ({flavour.capitalize()})",
        "description": "MFA adoption, enforcement and findings across the AWS organization, from mfaguard audits.",
        "tags": ["mfaguard", "aws", "iam", "mfa", flavour],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "5m",
        "time": {"from": "now-30d", "to": "now"},
        "templating": {"list": variables},
        "annotations": {"list": []},
        "links": [],
        "panels": [
            _panel(i, spec, grid, flavour) for i, (spec, grid) in enumerate(zip(PANELS, _layout(), strict=True))
        ],
    }


def render_all() -> dict[str, str]:
    return {
        f"mfaguard-{flavour}.json": json.dumps(dashboard(flavour), indent=2) + "\n"
        for flavour in ("graphite", "prometheus")
    }


if __name__ == "__main__":
    for name, text in render_all().items():
        (HERE / name).write_text(text)
        print(f"wrote {HERE / name}")
