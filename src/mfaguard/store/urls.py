"""Where the store lives: turn what a person typed (nothing, a path, a URL) into a SQLAlchemy URL.

Precedence, highest first: an explicit value (``--store``), the ``MFAGUARD_STORE`` environment
variable, ``[store] url`` in mfaguard.toml, then a SQLite file in the user's data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from mfaguard.errors import StoreError

__all__ = ["ENV_VAR", "default_sqlite_path", "redact", "resolve_store_url", "to_sqlalchemy_url"]

ENV_VAR = "MFAGUARD_STORE"
_PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_URL_HINT = "use a file path, sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


def default_sqlite_path() -> Path:
    return Path(user_data_dir("mfaguard", appauthor=False)) / "mfaguard.db"


def resolve_store_url(explicit: str | None = None, configured: str | None = None) -> str | None:
    """The store a command should open: flag, then environment, then config; None means the default."""
    for candidate in (explicit, os.environ.get(ENV_VAR), configured):
        if candidate and candidate.strip():
            return candidate.strip()
    return None


def to_sqlalchemy_url(url: str | os.PathLike[str] | None) -> tuple[URL, bool]:
    """The SQLAlchemy URL for a store value, and whether it is the default location.

    ``None`` (after the environment variable) means the default SQLite file.
    """
    text = os.fspath(url) if url is not None else ""
    value = text.strip() or os.environ.get(ENV_VAR, "").strip()
    if not value:
        return URL.create("sqlite+pysqlite", database=str(default_sqlite_path())), True
    if "://" not in value:
        # A plain path; expand ~ so that `--store ~/audits.db` means what it says.
        path = Path(value).expanduser()
        return URL.create("sqlite+pysqlite", database=str(path.resolve())), False
    scheme = value.split("://", 1)[0].lower()
    try:
        parsed = make_url(value)
    except ArgumentError:
        raise StoreError(f"not a valid store URL: {_redact_text(value)}", hint=_URL_HINT) from None
    except ValueError as exc:  # e.g. a port that is not a number
        raise StoreError(f"not a valid store URL: {_redact_text(value)} ({exc})", hint=_URL_HINT) from None
    if scheme in ("sqlite", "sqlite+pysqlite"):
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            database = str(Path(database).expanduser().resolve())
        return parsed.set(drivername="sqlite+pysqlite", database=database), False
    if scheme in _PG_SCHEMES:
        if not parsed.host and "host" not in parsed.query:
            raise StoreError(f"store URL has no host: {redact(parsed)}", hint=_URL_HINT)
        return parsed.set(drivername="postgresql+psycopg"), False
    raise StoreError(
        f"unsupported store URL scheme '{scheme}' in {_redact_text(value)}",
        hint="mfaguard stores snapshots in SQLite or PostgreSQL; " + _URL_HINT,
    )


def redact(url: URL) -> str:
    """The URL as it may be shown to people: never with its password."""
    return url.render_as_string(hide_password=True)


def _redact_text(value: str) -> str:
    """Hide the password of a URL that SQLAlchemy could not parse (user:PASSWORD@host)."""
    if "://" not in value:
        return value
    scheme, rest = value.split("://", 1)
    netloc, sep, tail = rest.partition("/")
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        netloc = f"{creds}@{host}"
    return f"{scheme}://{netloc}{sep}{tail}"
