"""Debian's headless Chromium for tests: the rendered DOM, a screenshot and the page's console messages.

Started with the flags this kind of machine needs (no sandbox as root, no GPU, no background network)
and a resolver that resolves nothing: a page that tries to load anything from outside fails loudly.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    # Nothing resolves: an external URL in the page becomes a failed load instead of a network call.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
)

# Chromium logs page console messages as: [pid:tid:date:INFO:CONSOLE:12] "text", source: URL (12)
_CONSOLE = re.compile(r":CONSOLE[:(]\d+\)?\] \"(.*)\", source: (.*)$")


@dataclass(frozen=True)
class Rendered:
    dom: str
    # Every console message the page logged. Chromium logs them all at INFO, console.log and uncaught
    # errors alike, so a page that should be silent (the report has no script) must log nothing.
    console: list[str]
    outside_requests: list[str]  # non-file URLs the page itself asked for (browser-internal ones excluded)
    stderr: str


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(url: str, extra: list[str], timeout: float) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run Chromium on the URL; also return the URLs the page requested, from Chromium's net log."""
    binary = find_chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed (scripts/install/30-observability.sh)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        netlog = Path(profile) / "netlog.json"
        done = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}/data", f"--log-net-log={netlog}", *extra, url],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        return done, _page_requests(netlog)


def _page_requests(netlog: Path) -> list[str]:
    # Chromium asks for its own update and account services too; a request belongs to the page when its
    # network isolation key is the page's origin (file:// for a local report).
    try:
        events = json.loads(netlog.read_text()).get("events", [])
    except (OSError, ValueError):
        return []
    urls = set()
    for event in events:
        params = event.get("params") or {}
        url, key = params.get("url", ""), params.get("network_isolation_key", "")
        if url and key.startswith("file://") and not url.startswith(("file:", "data:")):
            urls.add(url)
    return sorted(urls)


def _console(stderr: str) -> list[str]:
    return [f"{m.group(1)} ({m.group(2)})" for m in map(_CONSOLE.search, stderr.splitlines()) if m]


def render(page: Path | str, *, width: int = 1280, height: int = 2400, timeout: float = 60.0) -> Rendered:
    """Load the page, let it settle, and return the DOM after scripts ran plus console messages."""
    url = page.resolve().as_uri() if isinstance(page, Path) else page
    done, requests = _run(
        url, [f"--window-size={width},{height}", "--virtual-time-budget=3000", "--dump-dom"], timeout
    )
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return Rendered(done.stdout, _console(done.stderr), requests, done.stderr)


def screenshot(page: Path | str, target: Path, *, width: int = 1280, height: int = 2400,
               timeout: float = 60.0) -> Path:
    """A PNG of the page at this window size."""
    url = page.resolve().as_uri() if isinstance(page, Path) else page
    target.parent.mkdir(parents=True, exist_ok=True)
    done, _ = _run(
        url,
        [f"--window-size={width},{height}", "--virtual-time-budget=3000", f"--screenshot={target}"],
        timeout,
    )
    if done.returncode != 0 or not target.exists():
        raise RuntimeError(f"chromium screenshot failed ({done.returncode}): {done.stderr[-2000:]}")
    return target
