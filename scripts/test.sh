#!/usr/bin/env bash
# The whole test suite on a fresh machine: system packages, the virtualenv with every extra, lint, tests.
# Servers (moto, PostgreSQL, StatsD, carbon, pushgateway, SMTP) are started by the suite's fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

for step in scripts/install/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet -e '.[all,test]'

if [ "${1:-}" = "--install-only" ]; then exit 0; fi

"$VENV/bin/ruff" check src tests benchmarks
exec "$VENV/bin/pytest" "$@"
