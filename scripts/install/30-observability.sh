#!/usr/bin/env bash
# What the observability tests need: headless Chromium (HTML report), StatsD (npm) -> carbon -> whisper ->
# graphite-web (render API), and the Prometheus pushgateway. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

STATSD_VERSION=0.9.0
APT_PACKAGES=(chromium fonts-dejavu-core graphite-carbon python3-whisper graphite-web prometheus-pushgateway nodejs npm)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  # nodejs/npm may come from elsewhere than Debian: a working binary is enough.
  case "$pkg" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  # Packaged daemons must not start on their default ports: the tests start their own on loopback.
  $SUDO env RUNLEVEL=1 apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

# StatsD (Etsy's daemon) into ./node_modules, which git ignores; no package.json is written.
if [ ! -f node_modules/statsd/package.json ] \
   || ! grep -q "\"version\": \"$STATSD_VERSION\"" node_modules/statsd/package.json; then
  npm install --silent --no-save --no-audit --no-fund --omit=optional --prefix . "statsd@$STATSD_VERSION"
fi
