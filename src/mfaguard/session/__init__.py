"""Developer MFA sessions (aws-vault style): resolve a profile, get an MFA session, cache it, hand it out.

Importing this package is cheap (standard library only); boto3, keyring, cryptography and pyotp are
imported when a session is actually fetched from AWS or a store is opened.
"""

from __future__ import annotations

from mfaguard.session.awsconfig import AwsFiles, ProfileConfig, load_aws_files, resolve_profile
from mfaguard.session.cache import CacheEntry, CacheKey, SessionCache, cache_key
from mfaguard.session.credentials import Credentials
from mfaguard.session.errors import CacheLockedError, MfaCodeError, NestedSessionError, ProfileError, StsError
from mfaguard.session.store import EncryptedFileStore, KeyringStore, MemoryStore, SecretStore, open_store

__all__ = [
    "AwsFiles",
    "CacheEntry",
    "CacheKey",
    "CacheLockedError",
    "Credentials",
    "EncryptedFileStore",
    "KeyringStore",
    "MemoryStore",
    "MfaCodeError",
    "NestedSessionError",
    "ProfileConfig",
    "ProfileError",
    "SecretStore",
    "SessionCache",
    "StsError",
    "cache_key",
    "load_aws_files",
    "open_store",
    "resolve_profile",
]
