#!/usr/bin/env bash
# Provisions Debian's Chromium for the web UI tests (tests/ui/), which drive
# the real page with playwright-core. Idempotent and quick when it is there.
# Never fails the CI run by itself: without Chromium the browser tests skip
# and say why, and .ci/run's SMOLDENO_REQUIRE_CHROMIUM=1 turns that into a
# failure.
set -uo pipefail

chromium="${SMOLDENO_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  echo "ci/chromium: $("$chromium" --version 2>/dev/null | head -1)"
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ci/chromium: installing chromium"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } >/dev/null 2>&1 ||
    echo "ci/chromium: cannot install chromium"
else
  echo "ci/chromium: chromium is not installed and this user cannot install it"
fi
if [ -x "$chromium" ]; then
  echo "ci/chromium: $("$chromium" --version 2>/dev/null | head -1)"
else
  echo "ci/chromium: no Chromium at $chromium; the web UI browser tests will skip"
fi
exit 0
