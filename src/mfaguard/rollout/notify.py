"""Who to tell, and what: notification planning and message rendering. Pure apart from reading templates.

Each not-ready person of a wave gets one personal message: their IAM users without MFA, how to set up a
device, their ``~/.aws/config`` snippet, the deadline and the docs link. Templates are Jinja2
(``notify_subject.j2``, ``notify_body.j2``); a directory given in ``[notify] templates_dir`` overrides
the built-in ones file by file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parseaddr
from pathlib import Path

import jinja2

from mfaguard.errors import InputError
from mfaguard.rollout.readiness import PersonReadiness, UserCheck, WaveReadiness
from mfaguard.rollout.settings import NotifySettings

__all__ = ["Message", "NoticeAccount", "NotifyPlan", "plan_notifications", "render_messages", "template_env"]


FIDO_NOTE = ("it has only a security key, which the AWS CLI and API cannot use: add an authenticator app "
             "or a hardware code device too")


@dataclass(frozen=True)
class NoticeAccount:
    account: str
    account_id: str
    user: str
    access: str
    region: str
    note: str = ""  # why an existing device is not enough, e.g. a FIDO key for a CLI user

    @property
    def mfa_serial(self) -> str:
        # The ARN a virtual device created under the user's name gets (what ~/.aws/config needs).
        return f"arn:aws:iam::{self.account_id}:mfa/{self.user}"


@dataclass(frozen=True)
class NotifyPlan:
    wave: str
    to_send: tuple[PersonReadiness, ...]
    already_notified: tuple[str, ...]  # person ids skipped: mailed before for this wave
    no_email: tuple[str, ...]  # person ids that cannot be mailed
    ready: int  # people who need no message
    # Blocked only because their accounts were not audited: we do not know they lack MFA, so we do not say so.
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    person: str
    to: str
    subject: str
    body: str


def plan_notifications(readiness: WaveReadiness, already: Iterable[str], *, resend: bool = False) -> NotifyPlan:
    done = set(already)
    send, skipped, no_email, unknown = [], [], [], []
    for p in readiness.blocked:
        if not _to_fix(p):
            unknown.append(p.person)
        elif not p.email:
            no_email.append(p.person)
        elif p.person in done and not resend:
            skipped.append(p.person)
        else:
            send.append(p)
    return NotifyPlan(
        wave=readiness.wave.name, to_send=tuple(send), already_notified=tuple(skipped), no_email=tuple(no_email),
        ready=sum(1 for p in readiness.people if p.status != "blocked"), unknown=tuple(unknown),
    )


def _to_fix(p: PersonReadiness) -> tuple[UserCheck, ...]:
    """The users the audit saw without a usable device, or not at all in an audited account."""
    return tuple(u for u in p.missing_mfa if u.state != "unaudited")


def template_env(templates_dir: str | Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir:
        path = Path(templates_dir)
        if not path.is_dir():
            raise InputError("the notification templates directory does not exist", path=str(path),
                             field="notify.templates_dir", hint="create it or remove the setting")
        loaders.append(jinja2.FileSystemLoader(str(path)))
    loaders.append(jinja2.PackageLoader("mfaguard.rollout", "templates"))
    # Plain-text mail: no HTML escaping; a typo in a custom template is an error, not an empty string.
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True,
    )


def render_messages(
    plan: NotifyPlan,
    readiness: WaveReadiness,
    settings: NotifySettings,
    *,
    today: date,
    regions: dict[str, str] | None = None,
    env: jinja2.Environment | None = None,
) -> list[Message]:
    env = env or template_env(settings.templates_dir)
    deadline = readiness.wave.target_date or today + timedelta(days=settings.default_deadline_days)
    sender_name = parseaddr(settings.sender)[0] or "The platform team"
    regions = regions or {}
    try:
        subject_t = env.get_template("notify_subject.j2")
        body_t = env.get_template("notify_body.j2")
        out = []
        for p in plan.to_send:
            accounts = [
                NoticeAccount(u.account, u.account_id, u.user, u.access,
                              regions.get(u.account, settings.default_region),
                              note=FIDO_NOTE if u.state == "fido_only" else "")
                for u in _to_fix(p)
            ]
            context = {
                "name": p.name or p.person, "person": p.person, "email": p.email, "team": p.team, "wave": plan.wave,
                "wave_description": readiness.wave.description, "deadline": deadline, "accounts": accounts,
                "docs_url": settings.docs_url, "sender_name": sender_name, "level": p.level,
                "suggestion": p.suggestion,
            }
            subject = " ".join(subject_t.render(context).split())  # one header line
            out.append(Message(person=p.person, to=p.email, subject=subject, body=body_t.render(context)))
        return out
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or getattr(exc, "name", None) or "notification template"
        raise InputError(f"template error: {exc.message or exc}", path=str(where),
                         line=getattr(exc, "lineno", None),
                         hint="fix the template; the variables are listed in docs/rollout.md") from None
