"""Offline IAM policy evaluation: prove what principals can do with and without MFA.

Pure Python, following AWS's documented evaluation logic. Parse a policy once (``parse_policy``), build a
request (``Request.build``) and ``evaluate`` it against a ``PolicySet``; or load a whole account
(``from_terraform_show``, ``from_authorization_details``) and ``verify`` the MFA enforcement.
"""

from __future__ import annotations

from mfaguard.policy.catalog import Catalog, load_catalog
from mfaguard.policy.document import Policy, Statement, parse_policy
from mfaguard.policy.evaluation import Decision, PolicySet, evaluate
from mfaguard.policy.inventory import Identity, Inventory, from_authorization_details, from_terraform_show
from mfaguard.policy.properties import PropertySpec, load_properties, parse_properties
from mfaguard.policy.request import MFA_CONTEXTS, Principal, Request
from mfaguard.policy.verification import SELF_SERVICE_ACTIONS, Check, VerifyReport, verify

__all__ = [
    "MFA_CONTEXTS",
    "SELF_SERVICE_ACTIONS",
    "Catalog",
    "Check",
    "Decision",
    "Identity",
    "Inventory",
    "Policy",
    "PolicySet",
    "Principal",
    "PropertySpec",
    "Request",
    "Statement",
    "VerifyReport",
    "evaluate",
    "from_authorization_details",
    "from_terraform_show",
    "load_catalog",
    "load_properties",
    "parse_policy",
    "parse_properties",
    "verify",
]
