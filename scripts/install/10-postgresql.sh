#!/usr/bin/env bash
# PostgreSQL server binaries for the store tests (they start a throwaway server on 127.0.0.1 themselves).
# Idempotent: does nothing when initdb is already there.
set -euo pipefail

have_initdb() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if have_initdb; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "PostgreSQL is missing and this user cannot install packages: install Debian's 'postgresql' package" >&2
    exit 1
  fi
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# The tests run their own server: keep the package from creating and starting a cluster on port 5432.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/mfaguard-tests.conf >/dev/null
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO env RUNLEVEL=1 apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql

have_initdb || { echo "postgresql installed but initdb not found" >&2; exit 1; }
