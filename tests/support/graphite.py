"""Real Graphite on loopback for tests: carbon-cache (line receiver) -> whisper files -> graphite-web.

Debian's ``graphite-carbon``, ``python3-whisper`` and ``graphite-web`` (scripts/install), started by hand
with their config in a temp dir: no system service, no fixed port. Also: helpers that read a Grafana
dashboard's Graphite targets and check them against ``/metrics/find`` and ``/render``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.ports import free_port, stop_process, wait_for_port

CARBON_CACHE = "/usr/bin/carbon-cache"
SYSTEM_PYTHON = "/usr/bin/python3"  # graphite-web is a Debian (dist-packages) Django app

CARBON_CONF = """\
[cache]
STORAGE_DIR = {root}/storage
LOCAL_DATA_DIR = {root}/storage/whisper
WHITELISTS_DIR = {root}/storage/lists
CONF_DIR = {root}/conf
LOG_DIR = {root}/log
PID_DIR = {root}/run
USER =
ENABLE_LOGROTATION = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
CACHE_WRITE_STRATEGY = sorted
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = {line_port}
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = {pickle_port}
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = {query_port}
LOG_LISTENER_CONN_SUCCESS = False
LOG_CACHE_HITS = False
LOG_UPDATES = False
WHISPER_FALLOCATE_CREATE = False
ENABLE_TAGS = False
"""

# One-second points for the hour a test lasts, then coarser history.
STORAGE_SCHEMAS = """\
[default]
pattern = .*
retentions = 1s:1h,1m:1d
"""

STORAGE_AGGREGATION = """\
[default]
pattern = .*
xFilesFactor = 0
aggregationMethod = last
"""

WEB_SETTINGS = """\
SECRET_KEY = "test-only"
STORAGE_DIR = {root!r} + "/storage"
WHISPER_DIR = {root!r} + "/storage/whisper"
STANDARD_DIRS = [WHISPER_DIR]
LOG_DIR = {root!r} + "/log/webapp"
INDEX_FILE = {root!r} + "/storage/index"
CARBONLINK_HOSTS = ["127.0.0.1:{query_port}"]
TAGDB = ""
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {{"default": {{"NAME": {root!r} + "/storage/graphite.db", "ENGINE": "django.db.backends.sqlite3"}}}}
"""


@dataclass
class Graphite:
    root: Path
    line_port: int
    web_port: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def whisper_dir(self) -> Path:
        return self.root / "storage" / "whisper"

    def find(self, query: str) -> list[dict[str, Any]]:
        """``/metrics/find``: the nodes matching a Graphite path pattern (leaves and branches)."""
        url = f"{self.web_url}/metrics/find?" + urllib.parse.urlencode({"query": query, "format": "treejson"})
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def render(self, target: str, since: str = "-10min") -> list[dict[str, Any]]:
        """``/render?format=json``: [{"target": name, "datapoints": [[value, ts], ...]}, ...]."""
        query = urllib.parse.urlencode({"target": target, "from": since, "format": "json"})
        with urllib.request.urlopen(f"{self.web_url}/render?{query}", timeout=15) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def last_values(self, target: str, since: str = "-10min") -> dict[str, float]:
        """The last non-null value of each series a target renders."""
        out = {}
        for series in self.render(target, since):
            values = [v for v, _ in series["datapoints"] if v is not None]
            if values:
                out[series["target"]] = values[-1]
        return out

    def wait_for(
        self, target: str, expected: dict[str, float] | None = None, timeout: float = 20.0
    ) -> dict[str, float]:
        """Poll until ``target`` renders (and, when given, with these values); return what it rendered."""
        deadline = time.monotonic() + timeout
        seen: dict[str, float] = {}
        while time.monotonic() < deadline:
            seen = self.last_values(target)
            if seen and (expected is None or all(seen.get(k) == v for k, v in expected.items())):
                return seen
            time.sleep(0.25)
        raise AssertionError(f"graphite: {target} rendered {seen} after {timeout}s, expected {expected}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop_process(process)


def available() -> str | None:
    """Why Graphite cannot start here, or None when it can."""
    if not Path(CARBON_CACHE).exists():
        return "graphite-carbon is not installed (scripts/install/30-observability.sh)"
    if not Path("/usr/lib/python3/dist-packages/graphite/settings.py").exists():
        return "graphite-web is not installed (scripts/install/30-observability.sh)"
    return None


def start_graphite(root: Path) -> Graphite:
    line_port, pickle_port, query_port, web_port = (free_port() for _ in range(4))
    conf = root / "conf"
    for sub in ("conf", "log/webapp", "run", "storage/whisper", "storage/lists", "web"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    values = {"root": str(root), "line_port": line_port, "pickle_port": pickle_port, "query_port": query_port}
    (conf / "carbon.conf").write_text(CARBON_CONF.format(**values))
    (conf / "storage-schemas.conf").write_text(STORAGE_SCHEMAS)
    (conf / "storage-aggregation.conf").write_text(STORAGE_AGGREGATION)
    (root / "web" / "mfaguard_test_graphite.py").write_text(WEB_SETTINGS.format(**values))

    graphite = Graphite(root, line_port, web_port)
    log = open(root / "log" / "processes.log", "ab")  # noqa: SIM115 - kept open for the children
    carbon = subprocess.Popen(
        [SYSTEM_PYTHON, CARBON_CACHE, f"--config={conf / 'carbon.conf'}", f"--pidfile={root / 'run' / 'carbon.pid'}",
         f"--logdir={root / 'log'}", "--nodaemon", "start"],
        stdout=log, stderr=subprocess.STDOUT, env=_clean_env(),
    )
    graphite.processes.append(carbon)
    env = _clean_env() | {
        "PYTHONPATH": str(root / "web"),
        "GRAPHITE_SETTINGS_MODULE": "mfaguard_test_graphite",
        "DJANGO_SETTINGS_MODULE": "graphite.settings",
    }
    # /metrics/find reads the user's profile: the webapp needs its (SQLite) tables.
    subprocess.run(
        [SYSTEM_PYTHON, "-m", "django", "migrate", "--run-syncdb", "--verbosity=0"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root / "web", check=True, timeout=120,
    )
    web = subprocess.Popen(
        [SYSTEM_PYTHON, "-m", "django", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{web_port}"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root / "web",
    )
    graphite.processes.append(web)
    try:
        wait_for_port(line_port, timeout=30)
        wait_for_port(web_port, timeout=30)
    except TimeoutError:
        graphite.stop()
        raise RuntimeError(f"graphite did not start: {(root / 'log' / 'processes.log').read_text()[-2000:]}") from None
    return graphite


def send_plaintext(graphite: Graphite, lines: list[str]) -> None:
    """Write ``path value timestamp`` lines to carbon directly (tests that bypass StatsD)."""
    import socket

    with socket.create_connection(("127.0.0.1", graphite.line_port), timeout=5) as sock:
        sock.sendall("".join(f"{line}\n" for line in lines).encode())


def _clean_env() -> dict[str, str]:
    # The Debian apps run on the system Python: no virtualenv variables may leak into them.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    venv_bin = os.environ.get("VIRTUAL_ENV")
    if venv_bin:
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(venv_bin))
    return env


# --- Grafana dashboard targets ------------------------------------------------------------------

_FUNCTION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\(")


def dashboard_targets(dashboard: dict[str, Any]) -> list[str]:
    """Every Graphite target of a Grafana dashboard (rows and nested panels), template variables
    replaced by their current/default values."""
    variables = {}
    for var in dashboard.get("templating", {}).get("list", []):
        current = var.get("current", {}).get("value") or var.get("query", "")
        variables[var["name"]] = current if isinstance(current, str) else ",".join(current)
    targets = []
    for panel in _panels(dashboard):
        for target in panel.get("targets", []):
            expr = target.get("target") or target.get("targetFull")
            if expr and not target.get("hide"):
                targets.append(_substitute(expr, variables))
    return targets


def series_patterns(target: str) -> list[str]:
    """The metric path patterns a target reads, i.e. the arguments that are paths, not numbers/strings."""
    # Drop quoted strings (aliases, units), then function names; what is left are paths and numbers.
    text = re.sub(r"\"[^\"]*\"|'[^']*'", "", target)
    text = _FUNCTION.sub(" ", text).replace(")", " ")
    parts = [p.strip() for p in text.split(",")]
    # Braces hold alternatives ({a,b}) which the comma split cut: rejoin them.
    merged: list[str] = []
    for part in parts:
        if merged and merged[-1].count("{") > merged[-1].count("}"):
            merged[-1] += "," + part
        else:
            merged.append(part)
    return [p for p in merged if p and "." in p and not re.fullmatch(r"-?[\d.]+", p)]


def _panels(container: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in container.get("panels", []):
        yield panel
        yield from _panels(panel)
    for row in container.get("rows", []):
        yield from _panels(row)


def _substitute(expr: str, variables: dict[str, str]) -> str:
    for name, value in sorted(variables.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    return expr


def cleanup(graphite: Graphite) -> None:
    graphite.stop()
    shutil.rmtree(graphite.root, ignore_errors=True)


def check_dashboard(graphite: Graphite, dashboard: dict[str, Any], since: str = "-10min") -> list[str]:
    """Problems with a Graphite dashboard against a live graphite-web: each target's path patterns must
    match metrics (``/metrics/find``) and the target must render at least one series with a value.
    An empty list means every panel would show data."""
    problems = []
    for target in dashboard_targets(dashboard):
        for pattern in series_patterns(target):
            if not any(node.get("leaf") for node in graphite.find(pattern)):
                problems.append(f"{target}: no metric matches {pattern}")
        try:
            rendered = graphite.last_values(target, since)
        except OSError as exc:
            problems.append(f"{target}: render failed: {exc}")
            continue
        if not rendered:
            problems.append(f"{target}: renders no value")
    return problems
