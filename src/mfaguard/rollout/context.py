"""Everything a rollout command reads before it decides: config sections, roster, waves, store location."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from mfaguard.config import Config, load_config
from mfaguard.rollout.settings import NotifySettings, RolloutSettings, SmtpSettings, load_settings
from mfaguard.rollout.waves import Wave, parse_waves
from mfaguard.roster.load import LoadedRoster, load_roster
from mfaguard.roster.settings import roster_settings
from mfaguard.store import resolve_store_url

__all__ = ["RolloutContext", "default_actor", "load_context"]


@dataclass(frozen=True)
class RolloutContext:
    config: Config
    rollout: RolloutSettings
    notify: NotifySettings
    smtp: SmtpSettings
    loaded: LoadedRoster
    waves: list[Wave]
    terraform_dir: Path
    store_url: str | None


def load_context(
    config_path: str | None, *, roster: str | None = None, store: str | None = None, out: str | None = None
) -> RolloutContext:
    config = load_config(config_path)
    source = config.source_path or "mfaguard.toml"
    rollout, notify, smtp = load_settings(config.extra, source)
    rs = roster_settings(config.extra, source)
    loaded = load_roster(Path(roster or rs.path))
    return RolloutContext(
        config=config, rollout=rollout, notify=notify, smtp=smtp.with_environment(), loaded=loaded,
        waves=parse_waves(loaded), terraform_dir=Path(out or rs.terraform_dir),
        store_url=resolve_store_url(store, config.store.url),
    )


def default_actor() -> str:
    """Who runs the command, for the actions log: $MFAGUARD_ACTOR (CI sets it), else the login name."""
    explicit = os.environ.get("MFAGUARD_ACTOR", "").strip()
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "unknown"
