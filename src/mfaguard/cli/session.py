"""Developer MFA session commands: exec, export, credential-process, configure, sessions, shell-init.

Each command gathers its input, calls one function of ``mfaguard.session`` and returns an exit code.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone

import click
from click.shell_completion import CompletionItem

from mfaguard.errors import MfaguardError
from mfaguard.session.awsconfig import config_path, load_aws_files, resolve_profile
from mfaguard.session.configure import apply_profiles, plan_profiles, render_diff, roles_from_outputs, write_config
from mfaguard.session.errors import MfaCodeError
from mfaguard.session.service import (
    SessionRequest,
    check_not_nested,
    clear_sessions,
    exec_environment,
    get_credentials,
    list_sessions,
)
from mfaguard.session.shell import SHELLS, shell_functions
from mfaguard.session.store import open_store
from mfaguard.session.totp import store_seed

__all__ = ["configure", "credential_process", "exec_", "export", "sessions", "shell_init"]


def _complete_profiles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        names = load_aws_files().profile_names()
    except MfaguardError:
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def _ask_tty(label: str, hide: bool = False) -> str:
    import getpass

    if hide:
        return getpass.getpass(f"{label}: ")  # getpass reads and writes /dev/tty itself
    # A terminal is not seekable, so it cannot be one "r+" file: a writer and a reader.
    with open("/dev/tty", "w", encoding="utf-8") as out, open("/dev/tty", encoding="utf-8") as inp:
        out.write(f"{label}: ")
        out.flush()
        return inp.readline().strip()


def _asker(tty_only: bool, hide: bool = False) -> Callable[[str], str] | None:
    """The prompt to use, or None when nobody can answer.

    credential-process runs under an SDK that captures stdout and stderr, so it can only ask on the
    terminal itself; the other commands ask on stderr/stdin like any CLI.
    """
    try:
        with open("/dev/tty", encoding="utf-8"):
            has_tty = True
    except OSError:
        has_tty = False
    if tty_only:
        return (lambda label: _ask_tty(label, hide)) if has_tty else None
    return lambda label: _ask_stdin(label, hide)


def _ask_stdin(label: str, hide: bool) -> str:
    try:
        return str(click.prompt(label, err=True, hide_input=hide))
    except click.exceptions.Abort:
        if sys.stdin is not None and sys.stdin.isatty():
            raise  # a person pressed Ctrl-C / Ctrl-D
        # A script or CI job with nothing on stdin: say how to run without a prompt.
        raise MfaguardError(
            f"no answer to '{label}' on standard input (not a terminal)",
            hint="for the MFA code pass --mfa-token, set mfa_process or store the TOTP seed; "
            "for the cache passphrase set MFAGUARD_FILE_PASSPHRASE",
        ) from None


def _request(profile: str, mfa_token: str | None, refresh: bool, tty_only: bool = False) -> SessionRequest:
    return SessionRequest(
        profile=profile, mfa_token=mfa_token, ask=_asker(tty_only), ask_hidden=_asker(tty_only, hide=True),
        refresh=refresh,
    )


_profile_arg = click.argument("profile", shell_complete=_complete_profiles)
_mfa_token = click.option("-t", "--mfa-token", help="The current TOTP code (else mfa_process, stored seed, prompt).")
_refresh = click.option("--refresh", is_flag=True, help="Ignore cached sessions of this profile and ask AWS again.")


# Options may come before or after PROFILE; everything after `--` belongs to the command.
@click.command("exec", context_settings={"ignore_unknown_options": True})
@_profile_arg
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@_mfa_token
@_refresh
def exec_(profile: str, command: tuple[str, ...], mfa_token: str | None, refresh: bool) -> int:
    """Run COMMAND (default: your shell) with PROFILE's MFA session in AWS_* variables.

    \b
    mfaguard exec dev -- terraform plan
    mfaguard exec --mfa-token 123456 dev -- aws s3 ls
    """
    check_not_nested(os.environ)
    args = list(command)
    if not args:
        args = [os.environ.get("SHELL") or "/bin/sh"]
    prof, creds = get_credentials(_request(profile, mfa_token, refresh))
    child_env = exec_environment(dict(os.environ), prof, creds)
    if os.name == "posix":
        # Become the command (as aws-vault does): its exit code, signals and terminal are its own, and a
        # Ctrl-C reaches it exactly once.
        import shutil

        path = shutil.which(args[0], path=child_env.get("PATH")) or args[0]
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execve(path, args, child_env)
        except OSError as exc:
            raise MfaguardError(f"cannot run {args[0]}: {exc.strerror}", hint="check the command after --") from None
    try:
        rc = subprocess.run(args, env=child_env, check=False).returncode
    except OSError as exc:
        raise MfaguardError(f"cannot run {args[0]}: {exc.strerror}", hint="check the command after --") from None
    return rc if rc >= 0 else 128 - rc


@click.command("export")
@_profile_arg
@click.option("-f", "--format", "fmt", type=click.Choice(["env", "json"]), default="env", show_default=True)
@_mfa_token
@_refresh
def export(profile: str, fmt: str, mfa_token: str | None, refresh: bool) -> int:
    """Print PROFILE's MFA session credentials (eval "$(mfaguard export dev)")."""
    prof, creds = get_credentials(_request(profile, mfa_token, refresh))
    if fmt == "json":
        click.echo(creds.to_process_json())
        return 0
    env = {**creds.to_env(), "AWS_REGION": prof.region, "AWS_DEFAULT_REGION": prof.region}
    for key, value in env.items():
        click.echo(f"export {key}={shlex.quote(value)}")
    return 0


@click.command("credential-process")
@_profile_arg
@_mfa_token
@_refresh
def credential_process(profile: str, mfa_token: str | None, refresh: bool) -> int:
    """Print PROFILE's credentials as credential_process JSON (Version 1, with Expiration)."""
    _, creds = get_credentials(_request(profile, mfa_token, refresh, tty_only=True))
    click.echo(creds.to_process_json())
    return 0


def _parse_roles(values: tuple[str, ...]) -> dict[str, str]:
    roles = {}
    for item in values:
        name, sep, arn = item.partition("=")
        if not sep or not name or not arn:
            raise click.BadParameter(f"'{item}': expected NAME=ROLE_ARN", param_hint="--role")
        roles[name] = arn
    return roles


@click.command("configure")
@click.option("-p", "--profile", "user", required=True, help="Profile holding your IAM user's keys.")
@click.option("--mfa-serial", help="ARN of your MFA device, e.g. arn:aws:iam::123456789012:mfa/alice.")
@click.option("--region", help="Region for the profiles.")
@click.option("--role", "roles", multiple=True, metavar="NAME=ARN", help="A role profile (repeatable).")
@click.option("--from-outputs", type=click.Path(dir_okay=False), help="Role ARNs from `terraform output -json`.")
@click.option("--role-prefix", default="", help="Prefix for role profile names (e.g. prod-).")
@click.option("--duration", type=click.IntRange(900, 43200), help="Role session duration in seconds.")
@click.option("--mfa-process", help="Command printing a TOTP code (e.g. `ykman oath accounts code -s aws`).")
@click.option("--credential-process", "with_process", is_flag=True,
              help="Also write sibling profiles (NAME-mfa) with credential_process lines.")
@click.option("--process-suffix", default="-mfa", show_default=True)
@click.option("--command", "command", default="mfaguard", show_default=True,
              help="How credential_process lines invoke mfaguard.")
@click.option("--store-totp-seed", is_flag=True,
              help="Read the device's TOTP seed (base32) from the terminal/stdin and keep it in the keyring.")
@click.option("--dry-run", is_flag=True, help="Show the change to the config file as a diff; write nothing.")
def configure(
    user: str, mfa_serial: str | None, region: str | None, roles: tuple[str, ...], from_outputs: str | None,
    role_prefix: str, duration: int | None, mfa_process: str | None, with_process: bool, process_suffix: str,
    command: str, store_totp_seed: bool, dry_run: bool,
) -> int:
    """Write or update your MFA profiles in ~/.aws/config, preserving everything else."""
    role_map = roles_from_outputs(from_outputs) if from_outputs else {}
    role_map.update(_parse_roles(roles))
    specs = plan_profiles(
        user, mfa_serial=mfa_serial, region=region, roles=role_map, role_prefix=role_prefix,
        duration_seconds=duration, mfa_process=mfa_process, credential_process=with_process,
        process_suffix=process_suffix, command=command,
    )
    path = config_path()
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new = apply_profiles(old, specs, str(path))
    if dry_run:
        click.echo(render_diff(old, new, str(path)) or f"{path}: no change", nl=False)
    elif new != old:
        write_config(path, new)
        click.echo(f"{path}: wrote {len(specs)} profile(s): {', '.join(s.name for s in specs)}", err=True)
    else:
        click.echo(f"{path}: already up to date", err=True)
    if store_totp_seed:
        serial = mfa_serial or resolve_profile(user, load_aws_files()).mfa_serial
        if not serial:
            raise MfaCodeError("--store-totp-seed needs the MFA device", hint="pass --mfa-serial")
        if dry_run:
            click.echo("dry run: the TOTP seed was not stored", err=True)
            return 0
        ask = _asker(tty_only=False, hide=True)
        seed = ask(f"TOTP seed (base32) for {serial}") if ask else ""
        store = open_store(prompt=_asker(tty_only=False, hide=True))
        store_seed(store, serial, seed)
        click.echo(f"stored the TOTP seed for {serial} in {store!r}", err=True)
    return 0


@click.group("sessions")
def sessions() -> None:
    """List or clear cached MFA sessions (the credentials themselves are never shown)."""


@sessions.command("list")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def sessions_list(fmt: str) -> int:
    entries = list_sessions(open_store(prompt=_asker(tty_only=False, hide=True)))
    now = datetime.now(timezone.utc)
    rows = [
        {
            "kind": e.key.kind, "profile": e.key.profile, "mfa_serial": e.key.mfa_serial,
            "expires": e.expiration.strftime("%Y-%m-%dT%H:%M:%SZ") if e.expiration else "",
            "remaining_s": int((e.expiration - now).total_seconds()) if e.expiration else None,
        }
        for e in sorted(entries, key=lambda e: (e.key.profile, e.key.kind))
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return 0
    if not rows:
        click.echo("no cached sessions")
        return 0
    header = ("PROFILE", "KIND", "MFA SERIAL", "EXPIRES (UTC)", "LEFT")
    table = [header] + [
        (r["profile"], r["kind"], r["mfa_serial"] or "-", r["expires"] or "-",
         _left(r["remaining_s"]))
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _left(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds <= 0:
        return "expired"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@sessions.command("clear")
@click.argument("profile", required=False, shell_complete=_complete_profiles)
def sessions_clear(profile: str | None) -> int:
    """Forget the cached sessions of PROFILE, or all of them."""
    count = clear_sessions(profile, open_store(prompt=_asker(tty_only=False, hide=True)))
    click.echo(f"cleared {count} session(s)", err=True)
    return 0


@click.command("shell-init")
@click.argument("shell", type=click.Choice(SHELLS))
@click.option("--prefix", default="mfa-", show_default=True, help="Prefix of the per-profile functions.")
def shell_init(shell: str, prefix: str) -> int:
    """Print completion and per-profile functions: eval "$(mfaguard shell-init bash)"."""
    from click.shell_completion import get_completion_class

    from mfaguard.cli import cli

    comp_cls = get_completion_class(shell)
    if comp_cls is None:  # pragma: no cover - both shells ship with click
        raise MfaguardError(f"no completion for {shell}")
    completion = comp_cls(cli, {}, "mfaguard", "_MFAGUARD_COMPLETE").source()
    files = load_aws_files()
    profiles = []
    for name in files.profile_names():
        try:
            prof = resolve_profile(name, files)
        except MfaguardError:
            continue
        if prof.has_mfa() or prof.has_role():
            profiles.append(name)
    click.echo(completion.rstrip("\n"))
    click.echo(shell_functions(profiles, prefix=prefix), nl=False)
    return 0

