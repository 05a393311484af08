"""`mfaguard verify` and `mfaguard explain`: gather the input, call mfaguard.policy, print, exit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from mfaguard.errors import EXIT_ERROR, EXIT_OK, InputError
from mfaguard.policy.request import MFA_CONTEXTS

__all__ = ["explain", "verify"]

EXIT_VIOLATION = EXIT_ERROR


def _source_options(f: Any) -> Any:
    options = [
        click.option("--terraform", "terraform_json", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Output of `terraform show -json` (a saved plan, or the state)."),
        click.option("--authorization-details", "details_json",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Saved output of `aws iam get-account-authorization-details`."),
        click.option("--live", is_flag=True, help="Read the policies of the account of the current AWS credentials."),
        click.option("--profile", help="AWS profile for --live."),
        click.option("--endpoint-url", hidden=True, help="IAM endpoint for --live (an emulator)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    except UnicodeDecodeError:
        raise InputError("not a JSON text file (not UTF-8)", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None


def _inventory(terraform_json: Path | None, details_json: Path | None, live: bool, profile: str | None,
               endpoint_url: str | None, *, required: bool = True) -> Any:
    from mfaguard.policy.inventory import from_authorization_details, from_terraform_show

    chosen = [x for x in (terraform_json, details_json, live or None) if x]
    if len(chosen) > 1:
        raise click.UsageError("give only one of --terraform, --authorization-details, --live")
    if terraform_json:
        return from_terraform_show(_load_json(terraform_json), source=str(terraform_json))
    if details_json:
        return from_authorization_details(_load_json(details_json), source=str(details_json))
    if live:
        from mfaguard.policy.live import live_inventory

        return live_inventory(profile=profile, endpoint_url=endpoint_url)
    if required:
        raise click.UsageError("say where the policies come from: --terraform, --authorization-details or --live")
    return None


def _console() -> Any:
    from rich.console import Console

    return Console(width=160 if not sys.stdout.isatty() else None, soft_wrap=False)


@click.command("verify")
@_source_options
@click.option("--properties", "properties_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Custom properties (TOML or JSON): principal, action, resource, context -> expect allow|deny.")
@click.option("--self-service", "self_service", multiple=True, metavar="ACTION",
              help="Another action members may use without MFA (adds to the default self-service set).")
@click.option("--skip", multiple=True, metavar="CHECK[:SUBJECT]",
              help="Skip a check, everywhere or for one subject (e.g. no-mfa-self-service-only:group/Staged).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--full", is_flag=True, help="JSON: list every allowed action, not only counts per service.")
def verify(terraform_json: Path | None, details_json: Path | None, live: bool, profile: str | None,
           endpoint_url: str | None, properties_file: Path | None, self_service: tuple[str, ...],
           skip: tuple[str, ...], fmt: str, full: bool) -> int:
    """Prove what the policies allow with and without MFA; exit 1 naming the statement on a violation."""
    from mfaguard.policy.catalog import load_catalog
    from mfaguard.policy.properties import load_properties
    from mfaguard.policy.verification import SELF_SERVICE_ACTIONS, check_action
    from mfaguard.policy.verification import verify as run_verify

    catalog = load_catalog()
    # A misspelt exemption would be compared as written and exempt nothing: refuse it up front.
    self_service = tuple(check_action(a, catalog, field="--self-service") for a in self_service)
    inv = _inventory(terraform_json, details_json, live, profile, endpoint_url)
    props = load_properties(properties_file) if properties_file else []
    report = run_verify(inv, catalog, properties=props, self_service=(*SELF_SERVICE_ACTIONS, *self_service),
                        skip=skip)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(full=full), indent=2))
    else:
        from mfaguard.policy.render import print_verify

        print_verify(report, _console())
    for c in report.failures:
        who = ", ".join(s.label for s in c.statements) or "no statement (nothing allows it)"
        click.echo(f"violation: {c.id} {c.subject}: {c.message} [responsible: {who}]", err=True)
    return EXIT_OK if report.passed else EXIT_VIOLATION


def _parse_keys(keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in keys:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--key {item!r}: expected KEY=VALUE, e.g. aws:SourceIp=203.0.113.7", field="key")
        if key in out:
            out[key] = [*(out[key] if isinstance(out[key], list) else [out[key]]), value]
        else:
            out[key] = value
    return out


@click.command("explain")
@_source_options
@click.option("--policy", "policy_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An identity policy file for the principal (instead of a source; repeatable).")
@click.option("--boundary", "boundary_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A permissions boundary policy file (with --policy).")
@click.option("--trust", "trust_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The trust policy of the role being assumed (with --policy).")
@click.option("--resource-policy", "resource_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A resource-based policy of the resource, e.g. an S3 bucket policy (with --policy).")
@click.option("--principal", required=True,
              help="group/NAME (a member), role/NAME, user/NAME, or an IAM/STS ARN.")
@click.option("--action", required=True, help="service:Action, e.g. iam:CreateAccessKey.")
@click.option("--resource", default="*", show_default=True, help="Resource ARN.")
@click.option("--context", "context_name", type=click.Choice(list(MFA_CONTEXTS)), default="mfa", show_default=True,
              help="access-keys: long-term keys (no MFA key); no-mfa: MultiFactorAuthPresent false; mfa: true.")
@click.option("--key", "keys", multiple=True, metavar="KEY=VALUE",
              help="Another context key (repeat a key for several values), e.g. aws:SourceIp=203.0.113.7.")
@click.option("--expect", type=click.Choice(["allow", "deny"]), help="Exit 1 unless the decision is this.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def explain(terraform_json: Path | None, details_json: Path | None, live: bool, profile: str | None,
            endpoint_url: str | None, policy_files: tuple[Path, ...], boundary_file: Path | None,
            trust_file: Path | None, resource_file: Path | None, principal: str, action: str, resource: str,
            context_name: str, keys: tuple[str, ...], expect: str | None, fmt: str) -> int:
    """Answer one request: allowed or denied, and the statements that decided it."""
    from mfaguard.policy.catalog import load_catalog
    from mfaguard.policy.document import parse_policy
    from mfaguard.policy.evaluation import PolicySet, evaluate
    from mfaguard.policy.request import Principal, Request
    from mfaguard.policy.verification import check_action, evaluate_in, unknown_action_warnings

    catalog = load_catalog()
    check_action(action, catalog)
    context = {**MFA_CONTEXTS[context_name], **_parse_keys(keys)}
    own = policy_files or boundary_file or trust_file or resource_file
    inv = _inventory(terraform_json, details_json, live, profile, endpoint_url, required=not own)
    if inv is not None and own:
        raise click.UsageError("--policy, --boundary, --trust and --resource-policy describe the request "
                               "themselves; do not combine them with a source")
    if trust_file and resource_file:
        raise click.UsageError("give --trust (assuming a role) or --resource-policy, not both")
    if inv is not None:
        principal_obj, decision = evaluate_in(inv, principal, action, resource, context)
        req = Request.build(principal_obj, action, resource, context)
        warnings = list(inv.warnings) + unknown_action_warnings(inv.all_policies(), catalog)
    else:
        def read(p: Path, kind: str) -> Any:
            try:
                text = p.read_text()
            except UnicodeDecodeError:
                raise InputError("not a JSON text file (not UTF-8)", path=str(p)) from None
            return parse_policy(text, name=p.name, kind=kind, source=str(p))  # type: ignore[arg-type]

        try:
            principal_obj = Principal.from_arn(principal)
        except ValueError as exc:
            raise InputError(str(exc), field="principal",
                             hint="with --policy, give an ARN such as arn:aws:iam::123456789012:user/alice") from None
        policies = PolicySet(
            identity=tuple(read(p, "identity") for p in policy_files),
            boundary=read(boundary_file, "boundary") if boundary_file else None,
            resource=read(trust_file, "trust") if trust_file else
            read(resource_file, "resource") if resource_file else None,
        )
        req = Request.build(principal_obj, action, resource, context)
        decision = evaluate(policies, req)
        # A misspelt action in a policy matches nothing and silently changes the answer: say so.
        warnings = unknown_action_warnings(policies.all_policies(), catalog)
    if fmt == "json":
        from mfaguard.policy.render import explain_to_dict

        click.echo(json.dumps(explain_to_dict(req, decision), indent=2))
    else:
        from mfaguard.policy.render import print_explain

        print_explain(req, decision, _console())
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    if expect and ("allow" if decision.allowed else "deny") != expect:
        click.echo(f"expected {expect}, got {decision.outcome}", err=True)
        return EXIT_VIOLATION
    return EXIT_OK
