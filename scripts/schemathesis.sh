#!/usr/bin/env bash
# Schemathesis (PyPI, pinned) in a private virtualenv under .cache/schemathesis, for the API fuzz
# test (services/api/fuzz.integration.test.ts), which calls this script itself. Idempotent: a venv
# that already has the pinned version is reused, so the second call costs a few milliseconds.
#
#   scripts/schemathesis.sh            install if needed, print the path of the `st` executable
#   scripts/schemathesis.sh st ARGS... install if needed, then run `st ARGS...`
#
# Needs python3 (3.9+) with the venv module (Debian: apt-get install python3-venv) and access to
# PyPI (or a pip mirror through PIP_INDEX_URL).
set -euo pipefail

VERSION=4.32.5
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.cache/schemathesis"
ST="$VENV/bin/st"
STAMP="$VENV/.installed-$VERSION"

die() { printf 'schemathesis: %s\n' "$*" >&2; exit 1; }

if [ ! -f "$STAMP" ] || [ ! -x "$ST" ]; then
  command -v python3 >/dev/null 2>&1 || die "python3 not found; install Python 3.9+ (Debian: apt-get install python3 python3-venv)"
  # A venv left half-made by an interrupted run is rebuilt from scratch.
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV" >&2 2>/dev/null || {
    rm -rf "$VENV"
    die "python3 -m venv failed; install the venv module (Debian: apt-get install python3-venv)"
  }
  "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "schemathesis==$VERSION" >&2 || {
    rm -rf "$VENV"
    die "pip could not install schemathesis==$VERSION from PyPI (offline? set PIP_INDEX_URL to a mirror)"
  }
  touch "$STAMP"
fi

if [ "${1:-}" = "st" ]; then
  shift
  exec "$ST" "$@"
fi
printf '%s\n' "$ST"
