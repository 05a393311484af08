"""Where snapshots live and how their history is read.

One code path (SQLAlchemy 2 Core) for SQLite (the default: ``mfaguard.db`` in the user's data
directory) and PostgreSQL (``postgresql://...``, through psycopg 3)::

    from mfaguard.store import open_store, resolve_store_url

    with open_store(resolve_store_url(flag_value, config.store.url)) as store:
        store.save(snapshot)
        for taken_at, adoption in store.history("team"):
            ...

The schema is versioned: ``open_store`` applies the numbered migrations of ``mfaguard.store.migrations``
in order and refuses a database written by a newer mfaguard. A later stage that needs tables of its own
(rollout actions, notification log) adds one function to that module, decorated with
``@migration(N, "what it adds")``; its docstring shows how. The tables and columns are documented in
``docs/store.md``.
"""

from mfaguard.store.migrations import MIGRATIONS, Migration, migration
from mfaguard.store.store import SCOPES, SnapshotInfo, Store, open_store
from mfaguard.store.urls import default_sqlite_path, resolve_store_url

__all__ = [
    "MIGRATIONS",
    "SCOPES",
    "Migration",
    "SnapshotInfo",
    "Store",
    "default_sqlite_path",
    "migration",
    "open_store",
    "resolve_store_url",
]
