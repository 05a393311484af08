"""Run an audit: discover accounts, collect them concurrently, evaluate. The audit's only I/O shell."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import datetime

from mfaguard import __version__
from mfaguard.audit.collect import collect_account
from mfaguard.audit.evaluate import evaluate
from mfaguard.aws.discovery import discover_accounts, parse_shard, shard_of
from mfaguard.aws.sessions import AwsContext
from mfaguard.config import Config
from mfaguard.model import Account, AccountFacts, Snapshot, utcnow

__all__ = ["AuditResult", "run_audit"]

log = logging.getLogger(__name__)

Progress = Callable[[str, Account | None, int], None]  # event ("start"|"done"), account, total


@dataclass(frozen=True)
class AuditResult:
    snapshot: Snapshot
    facts: tuple[AccountFacts, ...]


def run_audit(
    config: Config,
    *,
    only: list[str] | None = None,
    shard: str | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> AuditResult:
    started = time.monotonic()
    ctx = AwsContext(config.aws)
    caller = ctx.caller_account_id()
    accounts = discover_accounts(ctx, config.accounts, caller, only)
    if shard:
        index, total = parse_shard(shard)
        accounts = [a for a in accounts if shard_of(a.id, total) == index]
    log.info("auditing %d account(s) with concurrency %d", len(accounts), config.audit.concurrency)
    if progress:
        progress("start", None, len(accounts))

    facts: list[AccountFacts] = []
    with ThreadPoolExecutor(max_workers=config.audit.concurrency, thread_name_prefix="audit") as pool:
        futures = {
            pool.submit(collect_account, ctx, a, config.audit, config.accounts, caller): a for a in accounts
        }
        for future in as_completed(futures):
            result = future.result()
            facts.append(result)
            log.info("%s: %d users, %d API calls%s", result.account.label, len(result.users), result.api_calls,
                     "".join(f"; {e.stage} failed: {e.code}" for e in result.errors))
            if progress:
                progress("done", result.account, len(accounts))

    snapshot = evaluate(
        facts,
        config.audit,
        now or utcnow(),
        duration_s=time.monotonic() - started,
        tool_version=__version__,
        shard=shard or "",
    )
    # Discovery calls belong to no account; the total counts them too.
    snapshot = replace(snapshot, api_calls=ctx.counter.total())
    return AuditResult(snapshot=snapshot, facts=tuple(facts))
