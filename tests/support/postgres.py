"""A throwaway PostgreSQL server on 127.0.0.1 for the suite.

``initdb`` refuses to run as root, so when the suite runs as root the server runs as the ``postgres``
system user (created by Debian's package). TCP connections need a password (scram-sha-256), so tests
exercise real authentication; the socket directory and data live in a temporary folder.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port, wait_for_port

__all__ = ["PostgresServer", "find_pg_bindir", "running_postgres", "start_postgres"]

SUPERUSER = "mfaguard"


def find_pg_bindir() -> Path:
    """The directory holding initdb/pg_ctl: Debian keeps them out of PATH, per major version."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return Path(os.path.realpath(candidate)).parent
    raise RuntimeError("PostgreSQL server binaries (initdb) not found: run scripts/install/10-postgresql.sh")


def _major(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


@dataclass
class PostgresServer:
    port: int
    password: str
    root: Path
    bindir: Path
    run_as: str | None
    stopped: bool = False

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql://{SUPERUSER}:{pw}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} password={self.password} dbname={database}"

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        _run(self, [str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"],
             check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _run(server: PostgresServer, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if server.run_as:
        argv = ["runuser", "-u", server.run_as, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=60)


def start_postgres() -> PostgresServer:
    bindir = find_pg_bindir()
    run_as = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="mfaguard-pg-"))
    server = PostgresServer(port=free_port(), password=secrets.token_urlsafe(16), root=root, bindir=bindir,
                            run_as=run_as)
    (root / "sock").mkdir()
    pwfile = root / "pwfile"
    pwfile.write_text(server.password + "\n")
    pwfile.chmod(0o600)
    if run_as:
        entry = pwd.getpwnam(run_as)
        for path in (root, root / "sock", pwfile):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    try:
        _run(server, [
            str(bindir / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER, f"--pwfile={pwfile}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
        ])
        pwfile.unlink()
        options = f"-h 127.0.0.1 -p {server.port} -k {root / 'sock'} -F -c max_connections=50"
        _run(server, [
            str(bindir / "pg_ctl"), "-D", str(root / "data"), "-o", options, "-l", str(root / "server.log"),
            "-w", "-t", "30", "start",
        ])
        wait_for_port(server.port, timeout=30)
    except (subprocess.CalledProcessError, TimeoutError) as exc:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        detail = getattr(exc, "stderr", "") or ""
        server.stop()
        raise RuntimeError(f"PostgreSQL did not start: {exc}\n{detail}\n{log}") from None
    # A crashed test session must not leave a server behind (stopping twice is harmless).
    atexit.register(server.stop)
    return server


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
