"""Sending the notifications over SMTP, one connection, rate-limited. The only network I/O of `notify`.

Each message is reported to ``on_sent`` right after the server accepted it, so the caller's log holds
exactly what was sent even when the connection drops half-way. The password is read by the caller from
the environment and never appears in a message, a log line or an exception.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from mfaguard.errors import MfaguardError
from mfaguard.model import utcnow
from mfaguard.rollout.notify import Message
from mfaguard.rollout.settings import SmtpSettings

__all__ = ["SmtpError", "build_email", "check_transport", "send_messages"]

OnSent = Callable[[Message, str, datetime], None]


class SmtpError(MfaguardError):
    """The SMTP server could not be reached, refused to log in, or refused a message."""


def build_email(message: Message, sender: str, reply_to: str | None, now: datetime) -> tuple[EmailMessage, str]:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    # An explicit domain: make_msgid() would otherwise ask the resolver for this host's FQDN.
    message_id = make_msgid(domain=domain)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    if reply_to:
        email["Reply-To"] = reply_to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    return email, message_id


class RateLimiter:
    """At most ``per_minute`` sends a minute, evenly spaced (no bursts that trip a relay's limits)."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / per_minute
        self.clock, self.sleep = clock, sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise SmtpError(f"cannot read the CA bundle {settings.ca_file}: {exc}",
                        hint="check [smtp] ca_file (a PEM file), or remove it to use the system's") from None


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_transport(settings: SmtpSettings) -> None:
    """Refuse to log in over an unencrypted connection to another machine: the password would cross the network
    in clear text. A relay on this machine (loopback) may take a plain login."""
    if settings.username and not (settings.ssl or settings.starttls) and not _is_loopback(settings.host):
        raise SmtpError(
            f"refusing to send the SMTP password of {settings.username} to {settings.host}:{settings.port} "
            "over an unencrypted connection; nothing was sent",
            hint="set [smtp] starttls = true (port 587) or ssl = true (port 465), or relay through a local server",
        )


def _connect(settings: SmtpSettings, password: str | None) -> smtplib.SMTP:
    where = f"{settings.host}:{settings.port}"
    check_transport(settings)
    context = _tls_context(settings) if settings.ssl or settings.starttls else None
    try:
        if settings.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s,
                                                    local_hostname="localhost", context=context)
        else:
            # local_hostname: skip the FQDN lookup smtplib does for EHLO.
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s, local_hostname="localhost")
        if settings.starttls:
            client.starttls(context=context)
        if settings.username:
            if password is None:
                client.close()
                raise SmtpError(f"the SMTP server {where} needs a password for {settings.username}",
                                hint=f"set the environment variable {settings.password_env}")
            client.login(settings.username, password)
        return client
    except SmtpError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpError(f"the SMTP server {where} refused the login of {settings.username} ({exc.smtp_code})",
                        hint=f"check [smtp] username and the password in {settings.password_env}") from None
    except ssl.SSLError as exc:
        raise SmtpError(f"TLS with the SMTP server {where} failed: {exc.reason or exc}",
                        hint="check the server's certificate and [smtp] ca_file, ssl and starttls") from None
    except smtplib.SMTPNotSupportedError:
        raise SmtpError(f"the SMTP server {where} does not offer STARTTLS or AUTH",
                        hint="check [smtp] starttls/ssl/username against what the server supports") from None
    except (OSError, smtplib.SMTPException) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        if isinstance(exc, socket.timeout):
            reason = f"no answer within {settings.timeout_s:g} s"
        raise SmtpError(f"cannot reach the SMTP server {where}: {reason}; nothing was sent",
                        hint="check [smtp] host and port (or MFAGUARD_SMTP_HOST/PORT) and that the server runs",
                        ) from None


def send_messages(
    messages: Sequence[Message],
    settings: SmtpSettings,
    *,
    sender: str,
    reply_to: str | None = None,
    per_minute: float = 30.0,
    password: str | None = None,
    on_sent: OnSent | None = None,
    limiter: RateLimiter | None = None,
) -> list[tuple[Message, str]]:
    """Send ``messages``; returns (message, Message-ID) for each one the server accepted."""
    if not messages:
        return []
    limiter = limiter or RateLimiter(per_minute)
    sent: list[tuple[Message, str]] = []
    client = _connect(settings, password)
    try:
        for message in messages:
            limiter.wait()
            now = utcnow()
            email, message_id = build_email(message, sender, reply_to, now)
            try:
                client.send_message(email)
            except (OSError, smtplib.SMTPException) as exc:
                reason = str(exc) or type(exc).__name__
                raise SmtpError(
                    f"the SMTP server {settings.host}:{settings.port} failed on the message to {message.to}: "
                    f"{reason}; {len(sent)} of {len(messages)} message(s) were sent and logged",
                    hint="fix the cause and run notify again: people already mailed are skipped",
                ) from None
            sent.append((message, message_id))
            if on_sent:
                on_sent(message, message_id, now)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return sent
