"""Wall time of a cached `mfaguard credential-process`, side by side with awsume doing the equivalent.

A cached credential_process runs before every AWS CLI / SDK call, so its cost is paid constantly. Both
tools get a real MFA session first (moto emulator on loopback with TOTP checking, codes from pyotp), then
each command is timed many times, interleaved so that machine load hits all of them alike.

    .venv/bin/python -m benchmarks.credential_process [--runs 40] [--write benchmarks/results/credential_process.md]

awsume (PyPI) must be installed in the same environment for the comparison; it is not a dependency of
mfaguard (`pip install awsume`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "credential_process.md"


def _setup(home: Path) -> tuple[dict[str, str], object]:
    import boto3
    import pyotp

    from mfaguard.sandbox.server import start_emulator
    from mfaguard.sandbox.totp import TotpCheck

    emulator = start_emulator(wrap=TotpCheck)
    iam = boto3.client("iam", **emulator.client_kwargs())
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    seed = device["Base32StringSeed"].decode("ascii")
    now = time.time()
    totp = pyotp.TOTP(seed)
    iam.enable_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    iam.create_role(RoleName="Admin", AssumeRolePolicyDocument="{}")
    aws = home / ".aws"
    aws.mkdir(parents=True)
    (aws / "credentials").write_text(
        f"[alice]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    (aws / "config").write_text(
        f"[profile alice]\nregion = us-east-1\nmfa_serial = {device['SerialNumber']}\n\n"
        "[profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
        "source_profile = alice\n"
    )
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "MFAGUARD_SESSION_BACKEND": "file",
        "MFAGUARD_FILE_PASSPHRASE": "benchmark passphrase",
        "LANG": "C.UTF-8",
    }
    for profile in ("alice", "admin"):
        _run(["mfaguard", "credential-process", profile, "--mfa-token", totp.now()], env)
    # awsume caches the GetSessionToken session (in clear, under XDG_CACHE_HOME); it has no role cache.
    _run(["awsumepy", "alice", "--mfa-token", totp.now()], env)
    kr_env = dict(env, MFAGUARD_SESSION_BACKEND="keyring",
                  PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    _run(["mfaguard", "credential-process", "admin", "--mfa-token", totp.now()], kr_env)
    return env, emulator


def _run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed


_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import mfaguard.entry
t1 = time.perf_counter()
from mfaguard.session.fastpath import cached_credential_process
t2 = time.perf_counter()
import io
out = io.StringIO()
assert cached_credential_process(["credential-process", "alice"], out=out)
t3 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2]))
"""


def _breakdown(env: dict[str, str], runs: int) -> dict[str, float]:
    """Medians (ms) of the parts of a cache hit, measured inside the process."""
    parts: list[list[float]] = [[], [], []]
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
        for i, value in enumerate(json.loads(out.stdout)):
            parts[i].append(value * 1000)
    names = (
        "import the console script (mfaguard.entry)",
        "import the fast path",
        "read + decrypt the cache (scrypt, AES-GCM)",
    )
    return {name: statistics.median(v) for name, v in zip(names, parts, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--write", nargs="?", const=str(RESULTS), default=None, help="write the markdown file")
    opts = parser.parse_args()
    if shutil.which("awsumepy", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("awsume is not installed in this environment: pip install awsume")

    with tempfile.TemporaryDirectory() as tmp:
        env, emulator = _setup(Path(tmp))
        kr_env = dict(env, MFAGUARD_SESSION_BACKEND="keyring",
                      PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
        cases = [
            ("python -c print(1) (interpreter start: the floor)", [sys.executable, "-c", "print(1)"], env),
            ("mfaguard credential-process alice (MFA session, encrypted file)",
             ["mfaguard", "credential-process", "alice"], env),
            ("awsume alice (MFA session from its cache)", ["awsumepy", "alice"], env),
            ("python -m mfaguard.session.fastpath credential-process alice (no click)",
             [sys.executable, "-m", "mfaguard.session.fastpath", "credential-process", "alice"], env),
            ("mfaguard credential-process admin (role, encrypted file)",
             ["mfaguard", "credential-process", "admin"], env),
            ("awsume admin (cached MFA session + AssumeRole call)", ["awsumepy", "admin"], env),
            ("mfaguard credential-process admin (role, file keyring backend)",
             ["mfaguard", "credential-process", "admin"], kr_env),
        ]
        times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
        for _name, cmd, case_env in cases:  # warm-up: page cache, .pyc files
            _run(cmd, case_env)
        for _ in range(opts.runs):
            for name, cmd, case_env in cases:
                times[name].append(_run(cmd, case_env))
        split = _breakdown(env, max(10, opts.runs // 2))
        emulator.stop()  # type: ignore[attr-defined]

    med = {name: statistics.median(v) * 1000 for name, v in times.items()}
    names = [c[0] for c in cases]
    ours, theirs = names[1], names[2]
    rows = ["| command | median ms | p10 ms | p90 ms |", "|---|---:|---:|---:|"]
    for name in names:
        q = statistics.quantiles([t * 1000 for t in times[name]], n=10)
        rows.append(f"| {name} | {med[name]:.0f} | {q[0]:.0f} | {q[-1]:.0f} |")
    ratio = med[theirs] / med[ours]
    role_ratio = med[names[5]] / med[names[4]]
    module_ratio = med[theirs] / med[names[3]]
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    try:
        from importlib.metadata import version

        awsume_version = version("awsume")
    except Exception:  # pragma: no cover
        awsume_version = "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = "\n".join([
        "# Cached credential-process: mfaguard vs awsume",
        "",
        f"Machine: {machine}; load average at the end {load:.1f}. awsume {awsume_version}.",
        f"Runs: {opts.runs} per command, interleaved. Command: "
        "`.venv/bin/python -m benchmarks.credential_process --write`",
        "",
        *rows,
        "",
        f"**Ratio (same work: a cached MFA session printed): awsume / mfaguard = {ratio:.1f}x** "
        f"({med[theirs]:.0f} ms vs {med[ours]:.0f} ms median).",
        f"Through `python -m mfaguard.session.fastpath` (skips click): awsume / mfaguard = {module_ratio:.1f}x.",
        f"Role profile: awsume / mfaguard = {role_ratio:.1f}x (awsume has no role cache, so it calls AssumeRole "
        "on every run; mfaguard serves the cached role session).",
        "",
        "Where a cached mfaguard call spends its time (medians inside the process, same run):",
        "",
        "| part | ms |",
        "|---|---:|",
        *[f"| {name} | {ms:.0f} |" for name, ms in split.items()],
        "",
        "What is compared: both tools hold a real MFA session from the emulator (GetSessionToken with a TOTP",
        "code checked by `mfaguard.sandbox.totp`); each command then prints credentials from its cache with no",
        "network call. awsume reads a plaintext JSON file and imports boto3; mfaguard answers before its CLI",
        "is built (no boto3, botocore or rich) and decrypts its AES-GCM file with a scrypt-derived key. Its",
        "own cost is the three parts above: the console script's entry module (it imports click only on a",
        "cache miss), the fast path's modules (cryptography's binding is most of it) and the key derivation.",
        "The keyring row uses keyrings.alt's file backend, chosen explicitly",
        "(`PYTHON_KEYRING_BACKEND`); importing the keyring library is what it adds. The machine is shared",
        "(see the load average), so absolute numbers move between runs; the ratio is taken within one run.",
        "",
    ])
    print(text)
    if opts.write:
        Path(opts.write).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
