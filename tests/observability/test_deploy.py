"""Deployment files: the Dockerfile, and Kubernetes manifests validated offline and checked for what a
reviewer would insist on (pinned image, schedule, no overlap, resources, non-root, sharding wiring)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mfaguard.cli.audit import audit as audit_command
from mfaguard.config import parse_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
IMAGE = f"registry.example.com/mfaguard:{VERSION}"
VALIDATE = str(Path(sys.executable).parent / "kubernetes-validate")


def _manifests() -> list[Path]:
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for p in _manifests() for d in _docs(p) if d["kind"] == kind}


CRONJOBS = _by_kind("CronJob")


def test_manifests_pass_strict_schema_validation() -> None:
    files = _manifests()
    assert len(files) >= 7
    done = subprocess.run([VALIDATE, "--strict", *map(str, files)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("passed") == len(files)


def test_strict_validation_rejects_an_unknown_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((K8S / "cronjob" / "cronjob.yaml").read_text().replace("concurrencyPolicy:", "concurencyPolicy:"))
    done = subprocess.run([VALIDATE, "--strict", str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0


def _pod(cronjob: dict[str, Any]) -> dict[str, Any]:
    return cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(CRONJOBS))
def test_cronjob_is_safe_to_run(name: str) -> None:
    cronjob = CRONJOBS[name]
    spec = cronjob["spec"]
    assert re.fullmatch(r"(\S+\s+){4}\S+", spec["schedule"])
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] <= 3600
    pod = _pod(cronjob)
    assert pod["restartPolicy"] == "Never"
    assert pod["serviceAccountName"] in _by_kind("ServiceAccount")
    assert pod["automountServiceAccountToken"] is False
    psc = pod["securityContext"]
    assert psc["runAsNonRoot"] is True and psc["runAsUser"] > 0 and psc["runAsGroup"] > 0
    assert psc["seccompProfile"]["type"] == "RuntimeDefault"
    (container,) = pod["containers"]
    assert container["image"] == IMAGE
    assert not container["image"].endswith(":latest")
    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) == {"cpu", "memory"}
    csc = container["securityContext"]
    assert csc["allowPrivilegeEscalation"] is False
    assert csc["readOnlyRootFilesystem"] is True
    assert csc["capabilities"]["drop"] == ["ALL"]
    env = {e["name"]: e for e in container["env"]}
    # The store URL (a password) comes from the Secret, never from the spec or the ConfigMap.
    assert env["MFAGUARD_STORE"]["valueFrom"]["secretKeyRef"] == {"name": "mfaguard-store", "key": "url"}
    assert not any("postgresql://" in str(a) for a in container["args"])
    assert env["MFAGUARD_CONFIG"]["value"] == "/etc/mfaguard/mfaguard.toml"
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert volumes[mounts["/etc/mfaguard"]]["configMap"]["name"] in _by_kind("ConfigMap")
    assert "emptyDir" in volumes[mounts["/tmp"]]  # the only writable place with a read-only root
    # Exit codes that a retry cannot fix end the job at once.
    job = spec["jobTemplate"]["spec"]
    (rule,) = job["podFailurePolicy"]["rules"]
    assert rule["onExitCodes"]["values"] == [2, 4]
    # In an Indexed Job only the failing shard stops: FailJob would kill the shards still auditing.
    indexed = job.get("completionMode") == "Indexed"
    assert rule["action"] == ("FailIndex" if indexed else "FailJob")
    if indexed:
        assert job["backoffLimitPerIndex"] >= 1  # FailIndex needs per-index backoff


@pytest.mark.parametrize("name", sorted(CRONJOBS))
def test_container_arguments_are_accepted_by_the_cli(name: str) -> None:
    (container,) = _pod(CRONJOBS[name])["containers"]
    args = [a.replace("$(JOB_COMPLETION_INDEX)", "3") for a in container["args"]]
    assert args[0] == "audit"
    ctx = audit_command.make_context("audit", args[1:])  # raises on an unknown option or a bad value
    assert ctx.params is not None


def test_sharded_variant_is_wired_consistently() -> None:
    shards = CRONJOBS["mfaguard-audit-shards"]
    combine = CRONJOBS["mfaguard-audit-combine"]
    job = shards["spec"]["jobTemplate"]["spec"]
    assert job["completionMode"] == "Indexed"
    n = job["completions"]
    assert job["parallelism"] == n and n >= 2
    (container,) = _pod(shards)["containers"]
    assert container["args"] == ["audit", "--shard", f"$(JOB_COMPLETION_INDEX)/{n}"]
    (combiner,) = _pod(combine)["containers"]
    assert combiner["args"] == ["audit", "--combine", str(n)]
    # The combine runs after every shard's deadline has passed, in the same hours.
    shard_min, shard_hours = shards["spec"]["schedule"].split()[:2]
    combine_min, combine_hours = combine["spec"]["schedule"].split()[:2]
    assert shard_hours == combine_hours
    # A shard run may start up to startingDeadlineSeconds late and then run until its deadline.
    latest_end = shards["spec"]["startingDeadlineSeconds"] + job["activeDeadlineSeconds"]
    assert (int(combine_min) - int(shard_min)) * 60 > latest_end


def test_service_account_has_an_irsa_role() -> None:
    (sa,) = _by_kind("ServiceAccount").values()
    role = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", role)


def test_configmap_holds_a_valid_mfaguard_toml() -> None:
    (cm,) = _by_kind("ConfigMap").values()
    config = parse_config(cm["data"]["mfaguard.toml"], "configmap:mfaguard.toml")
    assert config.accounts.source == "organizations"
    assert config.metrics.statsd is not None and config.metrics.prometheus is not None
    assert config.store.url is None  # the store URL holds a password: Secret only


def test_kustomizations_reference_existing_files_and_the_release_image() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        doc = yaml.safe_load(kustomization.read_text())
        for resource in doc["resources"]:
            assert (kustomization.parent / resource).exists(), f"{kustomization}: {resource}"
        for image in doc.get("images", []):
            assert f"{image['name']}:{image['newTag']}" == IMAGE


def _dockerfile() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]  # type: ignore[misc]


def test_dockerfile_is_slim_pinned_and_non_root() -> None:
    instructions = _dockerfile()
    args = dict(v.split("=", 1) for k, v in instructions if k == "ARG" and "=" in v)
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base), base
    stages = [v for k, v in instructions if k == "FROM"]
    assert len(stages) == 2 and all(s.startswith("${PYTHON_IMAGE}") for s in stages)
    final = instructions[max(i for i, (k, _) in enumerate(instructions) if k == "FROM"):]
    users = [v for k, v in final if k == "USER"]
    assert users and users[-1] == "10001:10001"
    uid = int(users[-1].split(":")[0])
    for cronjob in CRONJOBS.values():
        assert _pod(cronjob)["securityContext"]["runAsUser"] == uid
    assert ("ENTRYPOINT", '["mfaguard"]') in final
    for kind, value in instructions:
        if kind == "COPY" and not value.startswith("--from"):
            for source in value.split()[:-1]:
                assert (ROOT / source).exists(), source


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_image_dependencies_are_pinned() -> None:
    pins = {}
    for line in (DEPLOY / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # Every direct dependency of what the image installs, and the build backend that builds its wheel.
    needed = [r for r in project["project"]["dependencies"] if "python_version < '3.11'" not in r]
    needed += project["project"]["optional-dependencies"]["postgres"]
    needed += project["project"]["optional-dependencies"]["metrics"]
    needed += project["build-system"]["requires"]
    names = {_name(r) for r in needed} | {"psycopg-binary"}
    assert names <= set(pins), names - set(pins)
    installs = [v for k, v in _dockerfile() if k == "RUN" for v in v.split("&&") if "pip install" in v]
    installs += [v for k, v in _dockerfile() if k == "RUN" for v in v.split("&&") if "pip wheel" in v]
    assert len(installs) == 3
    for command in installs:
        # Pinned and prebuilt, or (mfaguard's own wheel) built by the pinned backend without isolation.
        assert ("--only-binary=:all:" in command and "--constraint" in command) or "--no-build-isolation" in command
    assert project["project"]["scripts"]["mfaguard"] == "mfaguard.entry:main"  # the image's ENTRYPOINT
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    # The build context is only what the image needs: no tests, no .venv, no local state.
    assert "*" in ignore and {"!src/", "!pyproject.toml", "!deploy/constraints.txt"} <= set(ignore)
