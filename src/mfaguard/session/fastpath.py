"""A cached ``mfaguard credential-process PROFILE`` without click, boto3 or anything heavy.

``mfaguard.cli.main`` calls this first. It answers only a fresh cache hit with no options given, and
returns False for everything else (miss, expiry, options, any error), so that the full command handles
those cases and reports problems properly.

Run as a module it is a drop-in for the console script that skips even click's import (~15-20 ms):

    credential_process = /path/to/venv/bin/python -m mfaguard.session.fastpath credential-process admin

(`mfaguard configure --credential-process --command "/path/to/venv/bin/python -m mfaguard.session.fastpath"`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

__all__ = ["cached_credential_process"]


def cached_credential_process(
    argv: Sequence[str], env: Mapping[str, str] | None = None, out: TextIO | None = None
) -> bool:
    if len(argv) != 2 or argv[0] != "credential-process" or argv[1].startswith("-"):
        return False
    env = os.environ if env is None else env
    try:
        from mfaguard.session.awsconfig import load_aws_files, resolve_profile
        from mfaguard.session.cache import SessionCache, cache_key, fingerprint
        from mfaguard.session.store import open_store

        files = load_aws_files(env)
        profile = resolve_profile(argv[1], files, env)
        key = cache_key(profile)
        if key is None:
            return False
        creds = SessionCache(open_store(env=env)).get(key, fingerprint(profile, files))
    except Exception:  # the full command will meet the same problem and explain it
        return False
    if creds is None:
        return False
    (out or sys.stdout).write(creds.to_process_json() + "\n")
    return True


if __name__ == "__main__":
    _args = sys.argv[1:]
    if not cached_credential_process(_args):
        from mfaguard.cli import main

        main(_args)
