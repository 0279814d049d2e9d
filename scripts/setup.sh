#!/usr/bin/env bash
# Installs what the test suite needs and this machine lacks, and nothing else (idempotent):
# PostgreSQL's server binaries, Python's aiosmtpd, Chromium with its driver and CJK fonts (for
# the pages in Chinese), promtool (checks /metrics), openpyxl (reads the Excel export), Node.js
# with npm and the OpenID Connect provider the sign-in tests run (oidc-provider, from the
# committed lock file in tests/support/oidc) and axe-core, which the browser tests run on every
# page they look at (tests/support/axe). scripts/test.sh runs it first; set
# CANDOR_SKIP_SETUP=1 to skip it.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need+=(fonts-noto-cjk)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
# postfix's smtp-sink is the fast SMTP sink of the email benchmark (which falls back to aiosmtpd):
# installed with "No configuration", so no mail server starts.
if [ ! -x /usr/sbin/smtp-sink ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postfix >/dev/null 2>&1 \
    || echo "postfix not installed: the email benchmark uses aiosmtpd"
fi
# openpyxl reads the Excel export in the tests (a reader no one here wrote): from PyPI, or
# Debian's package where pip is not there.
if ! /usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1; then
  /usr/bin/python3 -m pip install -q --break-system-packages openpyxl 2>/dev/null || {
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq python3-openpyxl >/dev/null
  }
fi
if [ ! -d tests/support/oidc/node_modules/oidc-provider ]; then
  echo "installing: oidc-provider (npm ci in tests/support/oidc)"
  npm ci --prefix tests/support/oidc --no-audit --no-fund --loglevel=error
fi
if [ ! -f tests/support/axe/node_modules/axe-core/axe.min.js ]; then
  echo "installing: axe-core (npm ci in tests/support/axe)"
  npm ci --prefix tests/support/axe --no-audit --no-fund --loglevel=error
fi
