"""Real StatsD (Etsy's npm ``statsd``, installed into ./node_modules by scripts/install) on loopback.

It listens on UDP and TCP, flushes every second to a Graphite line receiver when one is given, and its
management port answers ``gauges`` with the current values (no Graphite needed to read them back).
"""

from __future__ import annotations

import ast
import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_port, stop_process, wait_for_port

REPO = Path(__file__).resolve().parents[2]
STATS_JS = REPO / "node_modules" / "statsd" / "stats.js"


@dataclass
class Statsd:
    udp_port: int
    tcp_port: int
    mgmt_port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    stopped: bool = field(default=False)

    def gauges(self) -> dict[str, float]:
        """Current gauges, from the management interface."""
        text = self._mgmt("gauges")
        # The answer is a JavaScript object literal: { 'a.b': 1, ... } followed by END.
        body = text.rsplit("END", 1)[0].strip()
        return {k: float(v) for k, v in ast.literal_eval(body or "{}").items()}

    def clear_gauges(self) -> None:
        names = [n for n in self.gauges() if not n.startswith("statsd.")]
        # StatsD reads a management command from one TCP chunk: keep each command short.
        for start in range(0, len(names), 50):
            self._mgmt("delgauges " + " ".join(names[start:start + 50]))

    def wait_for_gauges(self, expected: dict[str, float], timeout: float = 10.0) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        seen: dict[str, float] = {}
        while time.monotonic() < deadline:
            seen = self.gauges()
            if all(seen.get(k) == v for k, v in expected.items()):
                return seen
            time.sleep(0.1)
        missing = {k: (v, seen.get(k)) for k, v in expected.items() if seen.get(k) != v}
        raise AssertionError(f"statsd gauges not as expected after {timeout}s (expected, seen): {missing}")

    def stop(self) -> None:
        stop_process(self.process)
        self.stopped = True

    def _mgmt(self, command: str) -> str:
        with socket.create_connection(("127.0.0.1", self.mgmt_port), timeout=5) as sock:
            sock.sendall(f"{command}\n".encode())
            chunks = b""
            while not chunks.rstrip().endswith(b"END"):
                data = sock.recv(65536)
                if not data:
                    break
                chunks += data
        return chunks.decode()


def available() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (scripts/install/30-observability.sh)"
    if not STATS_JS.exists():
        return "npm statsd is not installed in ./node_modules (scripts/install/30-observability.sh)"
    return None


def start_statsd(workdir: Path, graphite_port: int | None = None) -> Statsd:
    udp_port = free_port(socket.SOCK_DGRAM)
    tcp_port, mgmt_port = free_port(), free_port()
    config = {
        "servers": [
            {"server": "./servers/udp", "address": "127.0.0.1", "port": udp_port},
            {"server": "./servers/tcp", "address": "127.0.0.1", "port": tcp_port},
        ],
        "mgmt_address": "127.0.0.1",
        "mgmt_port": mgmt_port,
        "flushInterval": 1000,
        "backends": ["./backends/graphite"] if graphite_port else [],
        "graphiteHost": "127.0.0.1",
        "graphitePort": graphite_port or 2003,
        "graphite": {"legacyNamespace": False},
    }
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "statsd-config.js"
    config_path.write_text(f"({json.dumps(config, indent=2)})\n")
    log_path = workdir / "statsd.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            ["node", str(STATS_JS), str(config_path)], stdout=log, stderr=subprocess.STDOUT, cwd=STATS_JS.parent
        )
    statsd = Statsd(udp_port, tcp_port, mgmt_port, process, log_path)
    try:
        wait_for_port(mgmt_port, timeout=20)
        wait_for_port(tcp_port, timeout=20)
    except TimeoutError:
        statsd.stop()
        raise RuntimeError(f"statsd did not start: {log_path.read_text()[-2000:]}") from None
    _wait_udp_ready(statsd)
    return statsd


def _wait_udp_ready(statsd: Statsd, timeout: float = 10.0) -> None:
    # The UDP socket has no connect-style readiness: send a probe gauge until it shows up, then drop it.
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        while time.monotonic() < deadline:
            sock.sendto(b"readiness.probe:1|g", ("127.0.0.1", statsd.udp_port))
            if "readiness.probe" in statsd.gauges():
                statsd._mgmt("delgauges readiness.probe")
                return
            time.sleep(0.1)
    raise RuntimeError(f"statsd UDP port {statsd.udp_port} is not receiving")
