"""The public API of mfaguard.policy is what __all__ says."""

from __future__ import annotations

import mfaguard.policy as policy


def test_public_api_is_pinned() -> None:
    assert sorted(policy.__all__) == sorted([
        "MFA_CONTEXTS", "SELF_SERVICE_ACTIONS", "Catalog", "Check", "Decision", "Identity", "Inventory", "Policy",
        "PolicySet", "Principal", "PropertySpec", "Request", "Statement", "VerifyReport", "evaluate",
        "from_authorization_details", "from_terraform_show", "load_catalog", "load_properties", "parse_policy",
        "parse_properties", "verify",
    ])
    for name in policy.__all__:
        assert getattr(policy, name) is not None
