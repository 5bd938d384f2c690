#!/usr/bin/env bash
# Makes sure a Chromium is there for the browser tests, or fails saying how to get one.
# Order: $CADENCE_CHROMIUM, Debian's /usr/bin/chromium (installed with apt-get when possible),
# then Playwright's own download (for machines without apt).
set -u
python=${1:-python3}
if [[ -n "${CADENCE_CHROMIUM:-}" && -x "${CADENCE_CHROMIUM}" ]]; then exit 0; fi
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then command -v sudo >/dev/null 2>&1 && sudo="sudo -n"; fi
  echo "Installing Debian's chromium for the browser tests..."
  if $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    [[ -x /usr/bin/chromium ]] && exit 0
  fi
fi
echo "Trying Playwright's own Chromium download..."
if "$python" -m playwright install chromium; then exit 0; fi
cat >&2 <<'MSG'
error: no Chromium for the browser tests.
  Install Debian's package (apt-get install chromium), or run
  .venv/bin/python -m playwright install chromium, or set CADENCE_CHROMIUM to a Chromium binary.
MSG
exit 1
