"""The roster: people, teams, access levels and accounts, as a validated model.

The roster is YAML written by people (see docs/roster.md). This module only says what a valid roster
is; ``mfaguard.roster.load`` parses the file and turns validation errors into file:line messages.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, field_validator

__all__ = [
    "ACCOUNT_NAME",
    "ENFORCEMENT_STATES",
    "IAM_NAME",
    "PERSON_ID",
    "TF_KEY",
    "AccessLevel",
    "AccountSpec",
    "AccountUser",
    "Backend",
    "Defaults",
    "Person",
    "Roster",
    "Team",
    "TerraformSettings",
]

# Person ids and account/team names end up in file names and Terraform keys: keep them plain.
PERSON_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TEAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
IAM_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
GROUP_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,128}$")
IAM_PATH = re.compile(r"^/([\x21-\x7e]{0,510}/)?$")
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\x21-\x7e]{1,512}$")
TF_KEY = re.compile(r"^[a-z_][a-z0-9_-]{0,127}$")
SSH_KEY = re.compile(r"^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ENFORCEMENT_STATES = ("pending", "enforced", "exempt")
IDENTITY_TAGS = ("team", "email", "person")


class _Model(BaseModel):
    # Unknown keys are typos more often than not: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)


_TAG_PUNCTUATION = frozenset("_.:/=+-@")
TAG_CHARS = "letters, digits, spaces and _ . : / = + - @"


def is_tag_text(text: str, limit: int) -> bool:
    """Whether IAM accepts ``text`` in a tag (its pattern: \\p{L}, \\p{Z}, \\p{N} and _.:/=+-@)."""
    return len(text) <= limit and all(unicodedata.category(c)[0] in "LNZ" or c in _TAG_PUNCTUATION for c in text)


def _tag_value(value: str, what: str) -> str:
    # IAM refuses other characters at apply time; the roster says so with its line instead.
    if not is_tag_text(value, 256):
        raise ValueError(f"'{value}' cannot be {what}: IAM tag values are up to 256 {TAG_CHARS}")
    return value


def _check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise ValueError(f"'{value}' is not a valid {what}")
    return value


def _ssh_keys(v: list[str]) -> list[str]:
    return [_check(SSH_KEY, k.strip(), "OpenSSH public key (ssh-ed25519 AAAA...)") for k in v]


def _group_names(v: list[str]) -> list[str]:
    return [_check(GROUP_NAME, g, "IAM group name") for g in v]


# Checked the same way on a person (every account) and on one of their IAM users.
SshKeys = Annotated[list[str], AfterValidator(_ssh_keys)]
GroupNames = Annotated[list[str], AfterValidator(_group_names)]


class Backend(_Model):
    """Where Terraform keeps the state of one account's users (S3 backend)."""

    bucket: str
    key: str
    region: str = "us-east-1"
    lock_table: str | None = Field(None, description="DynamoDB table for state locking")
    encrypt: bool = True


class AccountSpec(_Model):
    id: str
    region: str = "us-east-1"
    role_arn: str | None = Field(None, description="role Terraform assumes to manage this account's users")
    backend: Backend | None = None
    # Enforcement group name per access level in this account, when it differs from access_levels.
    groups: dict[str, str] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        if isinstance(v, int):
            raise ValueError(f"{v} is a number: quote the account id (id: \"{v:012d}\") to keep leading zeros")
        if not isinstance(v, str) or not re.fullmatch(r"\d{12}", v):
            raise ValueError(f"'{v}' is not a 12-digit AWS account id")
        return v

    @field_validator("groups")
    @classmethod
    def _groups(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v.values():
            _check(GROUP_NAME, name, "IAM group name")
        return v


class AccessLevel(_Model):
    group: str = Field(description="the enforcement group of this level (from the mfa-enforcement module)")
    description: str = ""

    @field_validator("group")
    @classmethod
    def _group(cls, v: str) -> str:
        return _check(GROUP_NAME, v, "IAM group name")


class Team(_Model):
    name: str = ""
    access: str | None = Field(None, description="default access level of the team's people")
    # The team's own enforcement group (mfa-enforcement `teams` input), joined with the level's group.
    group: str | None = None

    @field_validator("group")
    @classmethod
    def _group(cls, v: str | None) -> str | None:
        return None if v is None else _check(GROUP_NAME, v, "IAM group name")


class AccountUser(_Model):
    """One IAM user of a person in one account."""

    user: str | None = Field(None, description="IAM user name; default: the person's id")
    console: bool = False
    cli: bool = False
    access_key_status: Literal["Active", "Inactive"] = "Active"
    ssh_keys: SshKeys = Field(default_factory=list)
    groups: GroupNames = Field(default_factory=list)
    path: str = "/"
    permissions_boundary: str | None = Field(None, description="ARN of the user's permissions boundary policy")
    tags: dict[str, str] = Field(default_factory=dict)
    # Which of team/email/person are written as tags; import narrows it to what the live user has.
    identity_tags: list[Literal["team", "email", "person"]] | None = None
    key: str | None = Field(None, description="Terraform key override (keeps addresses across renames)")

    @field_validator("user")
    @classmethod
    def _user(cls, v: str | None) -> str | None:
        return None if v is None else _check(IAM_NAME, v, "IAM user name (1-64 of letters, digits, +=,.@_-)")

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not IAM_PATH.match(v) or "//" in v:
            raise ValueError(f"'{v}' is not an IAM path: it starts and ends with '/', e.g. /engineering/")
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if not key or not is_tag_text(key, 128) or key.lower().startswith("aws:"):
                raise ValueError(f"'{key}' is not an IAM tag key: 1-128 {TAG_CHARS}, not starting with aws:")
            _tag_value(value, f"the value of tag '{key}'")
        return v

    @field_validator("permissions_boundary")
    @classmethod
    def _boundary(cls, v: str | None) -> str | None:
        return None if v is None else _check(POLICY_ARN, v, "policy ARN (arn:aws:iam::123456789012:policy/NAME)")

    @field_validator("key")
    @classmethod
    def _key(cls, v: str | None) -> str | None:
        return None if v is None else _check(TF_KEY, v, "Terraform key (lowercase letters, digits, _ and -)")


class Person(_Model):
    id: str
    name: str = ""
    email: str | None = None
    team: str
    access: str | None = Field(None, description="access level; default: the team's, then defaults.access")
    enforcement: Literal["pending", "enforced", "exempt"] = "pending"
    pgp_key: str | None = Field(None, description="keybase:<user> or a public key file next to the roster")
    ssh_keys: SshKeys = Field(default_factory=list)
    groups: GroupNames = Field(default_factory=list, description="extra groups in every account")
    # One IAM user per account is the rule; a list allows the old second-user-for-the-CLI workaround.
    accounts: dict[str, list[AccountUser]] = Field(default_factory=dict)

    @field_validator("accounts", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ([] if u is None else u if isinstance(u, list) else [u]) for k, u in v.items()}
        return v

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check(PERSON_ID, v, "person id (lowercase letters, digits, '.', '_', '-')")

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return None if v is None else _tag_value(_check(EMAIL, v, "email address"), "the `email` tag")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _tag_value(v, "the `person` tag (write O'Brien as OBrien)")

    def users(self, account: str) -> list[AccountUser]:
        return self.accounts.get(account, [])

    def user_name(self, user: AccountUser) -> str:
        return user.user or self.id


class Defaults(_Model):
    access: str = "developer"
    team: str = "unassigned"
    pgp_key: str | None = Field(None, description="PGP key for people without their own (e.g. imported users)")


class TerraformSettings(_Model):
    module_source: str = Field("../../modules/iam-user", description="source of the iam-user module")
    module_version: str | None = Field(None, description="for registry sources")
    aws_provider_version: str = ">= 3.38"
    required_version: str = ">= 1.9"


def _default_levels() -> dict[str, AccessLevel]:
    # The defaults of the mfa-enforcement module: the seed's developer and admin groups.
    return {
        "developer": AccessLevel(group="DeveloperMFAGroup", description="PowerUserAccess role"),
        "admin": AccessLevel(group="AdminMFAGroup", description="AdministratorAccess role"),
    }


class Roster(_Model):
    version: Literal[1] = 1
    defaults: Defaults = Field(default_factory=Defaults)
    terraform: TerraformSettings = Field(default_factory=TerraformSettings)
    access_levels: dict[str, AccessLevel] = Field(default_factory=_default_levels)
    teams: dict[str, Team] = Field(default_factory=dict)
    accounts: dict[str, AccountSpec] = Field(default_factory=dict)
    people: list[Person] = Field(default_factory=list)
    # Owned by the staged rollout, which validates it; kept here untouched.
    waves: Any = None

    # PGP key references resolved to what the iam-user module takes (set by the loader).
    _pgp_keys: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("accounts")
    @classmethod
    def _account_names(cls, v: dict[str, AccountSpec]) -> dict[str, AccountSpec]:
        for name in v:
            _check(ACCOUNT_NAME, name, "account name (lowercase letters, digits, _ and -)")
        return v

    @field_validator("teams")
    @classmethod
    def _team_names(cls, v: dict[str, Team]) -> dict[str, Team]:
        for name in v:
            _check(TEAM_NAME, name, "team name")
        return v

    def level_of(self, person: Person) -> str:
        team = self.teams.get(person.team)
        return person.access or (team.access if team and team.access else None) or self.defaults.access

    def group_of(self, account: str, level: str) -> str:
        spec = self.accounts.get(account)
        if spec and level in spec.groups:
            return spec.groups[level]
        return self.access_levels[level].group

    def enforcement_groups(self, account: str) -> dict[str, str]:
        """Group name -> access level, for every level in ``account``."""
        return {self.group_of(account, level): level for level in self.access_levels}

    def pgp_key_of(self, person: Person) -> str | None:
        ref = person.pgp_key or self.defaults.pgp_key
        return None if ref is None else self._pgp_keys.get(ref, ref)

    def with_pgp_keys(self, resolved: dict[str, str]) -> Roster:
        self._pgp_keys = dict(resolved)
        return self
