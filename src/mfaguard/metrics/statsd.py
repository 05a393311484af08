"""StatsD gauges over UDP (default) or TCP, in packets that fit one Ethernet frame."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Iterable

from mfaguard.metrics.naming import Sample

__all__ = ["MAX_PACKET_BYTES", "format_gauges", "packets", "send"]

# 1432 bytes is what StatsD itself recommends for UDP on a 1500-byte MTU without fragmentation.
MAX_PACKET_BYTES = 1432
# A burst larger than the receiver's socket buffer (Linux default 208 KiB) is silently dropped: measured
# on loopback, ~550 packets sent at once reached StatsD as about 3,200 of 17,420 gauges. Pausing 10 ms after
# every 32 packets (~45 KiB) lost none (benchmarks/results/observability.md).
UDP_BURST_PACKETS = 32
UDP_PAUSE_S = 0.01


def format_gauges(samples: Iterable[Sample], prefix: str) -> list[str]:
    """``prefix.path:value|g`` lines. Negative or non-finite values are skipped: StatsD reads a leading
    sign as a delta and cannot store NaN."""
    head = ".".join(p for p in prefix.split(".") if p)
    lines = []
    for sample in samples:
        if not math.isfinite(sample.value) or sample.value < 0:
            continue
        name = ".".join((head, *sample.path)) if head else ".".join(sample.path)
        lines.append(f"{name}:{_number(sample.value)}|g")
    return lines


def packets(lines: Iterable[str], limit: int = MAX_PACKET_BYTES) -> list[bytes]:
    """Newline-joined batches of whole lines, each at most ``limit`` bytes (a longer line goes alone)."""
    out: list[bytes] = []
    current = b""
    for line in lines:
        data = line.encode()
        if current and len(current) + 1 + len(data) > limit:
            out.append(current)
            current = b""
        current = current + b"\n" + data if current else data
    if current:
        out.append(current)
    return out


def send(lines: list[str], host: str, port: int, protocol: str = "udp", timeout: float = 5.0) -> list[str]:
    """Send the lines; return warnings instead of raising (a dead StatsD must not fail an audit).

    UDP is fire and forget: a connected socket at least reports "connection refused" when the host
    answers with ICMP port unreachable (a local StatsD that is down), which a plain sendto would not.
    """
    where = f"statsd {protocol}://{host}:{port}"
    if not 0 < port < 65536:
        # getaddrinfo would wrap it silently (99999 -> 34463) and the gauges would go to another port.
        return [f"{where}: metrics not sent: {port} is not a port number (1-65535)"]
    try:
        if protocol == "tcp":
            with socket.create_connection((host, port), timeout=timeout) as sock:
                # TCP StatsD reads newline-terminated lines from a stream.
                sock.sendall("".join(f"{line}\n" for line in lines).encode())
            return []
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            for index, packet in enumerate(packets(lines), start=1):
                sock.send(packet)
                if index % UDP_BURST_PACKETS == 0:
                    time.sleep(UDP_PAUSE_S)
        return []
    except OSError as exc:
        return [f"{where}: metrics not sent: {exc.strerror or exc}"]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(value, 6))
