"""The public API of mfaguard.session is what __all__ says, and importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import mfaguard.session as session


def test_public_api_is_pinned() -> None:
    assert sorted(session.__all__) == [
        "AwsFiles", "CacheEntry", "CacheKey", "CacheLockedError", "Credentials", "EncryptedFileStore",
        "KeyringStore", "MemoryStore", "MfaCodeError", "NestedSessionError", "ProfileConfig", "ProfileError",
        "SecretStore", "SessionCache", "StsError", "cache_key", "load_aws_files", "open_store", "resolve_profile",
    ]
    for name in session.__all__:
        assert getattr(session, name) is not None


def test_import_pulls_in_no_heavy_module() -> None:
    probe = (
        "import sys, mfaguard.session, mfaguard.session.fastpath, mfaguard.session.service;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('boto3', 'botocore', 'rich', 'click', 'keyring', 'cryptography', 'pyotp', 'pydantic')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
