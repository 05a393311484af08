"""Real Prometheus pushgateway (Debian ``prometheus-pushgateway``) on loopback."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.support.ports import free_port, stop_process, wait_for_port

BINARY = "/usr/bin/prometheus-pushgateway"


@dataclass
class Pushgateway:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def metrics_text(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=10) as response:
            return response.read().decode()  # type: ignore[no-any-return]

    def samples(self, prefix: str = "mfaguard_") -> list[tuple[str, dict[str, str], float]]:
        """(name, labels, value) of every pushed sample whose name starts with ``prefix``."""
        out = []
        for family in text_string_to_metric_families(self.metrics_text()):
            for sample in family.samples:
                if sample.name.startswith(prefix):
                    out.append((sample.name, dict(sample.labels), sample.value))
        return out

    def wipe(self) -> None:
        request = urllib.request.Request(f"{self.url}/api/v1/admin/wipe", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        stop_process(self.process)


def available() -> str | None:
    if not Path(BINARY).exists() and shutil.which("prometheus-pushgateway") is None:
        return "prometheus-pushgateway is not installed (scripts/install/30-observability.sh)"
    return None


def start_pushgateway(workdir: Path) -> Pushgateway:
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "pushgateway.log"
    binary = BINARY if Path(BINARY).exists() else str(shutil.which("prometheus-pushgateway"))
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [binary, f"--web.listen-address=127.0.0.1:{port}", "--web.enable-admin-api"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    gateway = Pushgateway(port, process, log_path)
    try:
        wait_for_port(port, timeout=20)
    except TimeoutError:
        gateway.stop()
        raise RuntimeError(f"pushgateway did not start: {log_path.read_text()[-2000:]}") from None
    return gateway
