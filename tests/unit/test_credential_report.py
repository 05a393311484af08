"""Credential report parsing on CSV text shaped like real AWS output (moto lacks some of these shapes)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mfaguard.audit.credential_report import parse_credential_report
from mfaguard.errors import MfaguardError

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
    "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
ROOT = ("<root_account>,arn:aws:iam::111122223333:root,2015-03-01T10:00:00+00:00,not_supported,"
        "2026-11-20T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,true,"
        "2019-01-01T00:00:00+00:00,2026-01-01T00:00:00+00:00,us-east-1,s3,false,N/A,false,N/A")
ALICE = ("alice,arn:aws:iam::111122223333:user/engineering/alice,2020-05-01T12:00:00+00:00,true,"
         "2026-11-30T09:15:00+00:00,2026-01-10T00:00:00+00:00,N/A,true,true,2026-06-01T00:00:00+00:00,"
         "2026-12-01T00:00:00+00:00,eu-west-1,sts,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
BOB = ("bob,arn:aws:iam::111122223333:user/bob,2021-01-01T00:00:00+00:00,true,no_information,N/A,N/A,false,"
       "false,2022-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
SVC = ("svc,arn:aws:iam::111122223333:user/svc,2021-01-01T00:00:00Z,false,N/A,N/A,N/A,false,"
       "true,2021-01-01T00:00:00Z,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")


def report(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_root_row_becomes_root_facts() -> None:
    parsed = parse_credential_report(report(ROOT, ALICE), "111122223333")
    assert parsed.root is not None
    assert parsed.root.mfa_active is True
    assert parsed.root.access_keys_active is True  # key 2 is active
    assert parsed.root.password_last_used == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    assert [u.name for u in parsed.users] == ["alice"]


def test_user_fields_and_paths() -> None:
    alice = parse_credential_report(report(ALICE), "111122223333").users[0]
    assert alice.path == "/engineering/"
    assert alice.password_enabled and alice.mfa_active
    assert alice.password_last_used == datetime(2026, 11, 30, 9, 15, tzinfo=timezone.utc)
    (key,) = alice.access_keys
    assert key.slot == 1 and key.active and key.last_used == datetime(2026, 12, 1, tzinfo=timezone.utc)


def test_markers_mean_no_value() -> None:
    bob = parse_credential_report(report(BOB), "1").users[0]
    assert bob.password_last_used is None  # no_information
    assert bob.password_last_changed is None  # N/A
    # Key 1 exists (it was rotated once) but is inactive; key 2 never existed.
    assert [(k.slot, k.active, k.last_used) for k in bob.access_keys] == [(1, False, None)]


def test_z_suffix_timestamps_and_byte_content_with_bom() -> None:
    parsed = parse_credential_report(("\ufeff" + report(SVC)).encode(), "1")
    (svc,) = parsed.users
    assert svc.created == datetime(2021, 1, 1, tzinfo=timezone.utc)
    assert not svc.password_enabled and svc.access_keys[0].active


def test_no_root_row_leaves_root_unknown() -> None:
    assert parse_credential_report(report(ALICE), "1").root is None


def test_missing_columns_is_a_clear_error() -> None:
    with pytest.raises(MfaguardError, match="lacks columns: mfa_active"):
        parse_credential_report("user,arn,password_enabled,access_key_1_active,access_key_2_active\n", "123")
