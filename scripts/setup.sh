#!/usr/bin/env bash
# Set up folio on this machine: system libraries, a virtual environment, the package.
#   scripts/setup.sh          what building needs (Pango for WeasyPrint, HarfBuzz subsetting)
#   scripts/setup.sh --fonts  also the Noto fonts for every script a book may use (CJK, Arabic, Hebrew, Devanagari, ...)
#   scripts/setup.sh --test   also what the tests need (the fonts, Java for EPUBCheck, the test extras)
# Installs missing Debian packages when run as root; otherwise says which to install.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-build}
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "folio needs Python 3.11 or newer; $python is $("$python" --version 2>&1)" >&2; exit 1; }

missing=()
has_lib() { "$python" -c "import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library('$1') else 1)"; }
has_lib pango-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
has_lib harfbuzz-subset || missing+=(libharfbuzz-subset0)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)  # folio asks fontconfig which fonts draw a book's scripts
if [ "$mode" = "--test" ] || [ "$mode" = "--fonts" ]; then  # fonts for other scripts than Latin, Greek, Cyrillic
  fc-list : family 2>/dev/null | grep -q "Noto Serif CJK" || missing+=(fonts-noto-cjk)
  fc-list : family 2>/dev/null | grep -q "Noto Naskh Arabic" || missing+=(fonts-noto-core)
  fc-list : family 2>/dev/null | grep -q "Noto Color Emoji" || missing+=(fonts-noto-color-emoji)
fi
if [ "$mode" = "--test" ]; then
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v strace >/dev/null 2>&1 || missing+=(strace)  # tests/test_hostile.py watches for connect() calls
  command -v unshare >/dev/null 2>&1 && command -v prlimit >/dev/null 2>&1 || missing+=(util-linux)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "folio needs these system packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if [ "$mode" = "--test" ] && [ ! -x tools/ace/node_modules/.bin/ace-cli ]; then
  # Ace by DAISY from npm; it drives Debian's chromium, so no browser is downloaded
  (cd tools/ace && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
extras=""
[ "$mode" = "--test" ] && extras="[test]"
stamp=".venv/.folio-installed$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".$extras"
  touch "$stamp"
fi
