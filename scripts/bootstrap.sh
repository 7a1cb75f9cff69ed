#!/usr/bin/env bash
# Sets up what Spine Check needs on a fresh machine, skipping what is already there. Used by run.sh
# and test.sh so that each of the README's two commands works on its own.
#
#   bash scripts/bootstrap.sh              # what `bash run.sh` needs: requirements.txt (offline voice)
#   bash scripts/bootstrap.sh --skill      # adds the Alexa skill's web runtime (requirements-skill.txt)
#   bash scripts/bootstrap.sh --dev        # everything plus test and lint tools (requirements-dev.txt, sox)
#   bash scripts/bootstrap.sh --with-node  # adds the npm test client virtual-alexa (skipped without npm)
#
# Python 3.11 or later is required; set PYTHON=/path/to/python3.x to choose the interpreter.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want_node=0
level=run
for arg in "$@"; do
  case "$arg" in
    --with-node) want_node=1 ;;
    --skill) [ "$level" = dev ] || level=skill ;;
    --dev) level=dev ;;
    *) echo "spine-check setup: unknown option $arg (expected --skill, --dev, --with-node)" >&2; exit 2 ;;
  esac
done
say() { echo "spine-check setup: $*" >&2; }

# --- Python 3.11 or later ----------------------------------------------------------------------
# Before 3.11, datetime.fromisoformat refuses the "Z" in Alexa's timestamps, so every skill request
# would fail; the voice and text front ends are tested on 3.11 and later only.
python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; }
python_version() { "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null || echo unknown; }
if [ -n "${PYTHON:-}" ]; then
  candidates=("$PYTHON")
else
  candidates=(python3 python3.13 python3.12 python3.11)
fi
python=""
for candidate in "${candidates[@]}"; do
  if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
    python="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$python" ]; then
  found="none"
  for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null 2>&1; then
      found="$(python_version "$candidate") at $(command -v "$candidate")"
      break
    fi
  done
  say "error: Python 3.11 or later is required (found: $found)."
  say "  Older versions refuse the 'Z' in Alexa's timestamps (datetime.fromisoformat)."
  say "  Install it (Debian 12 / Ubuntu 24.04: sudo apt-get install python3 python3-venv)"
  say "  or point PYTHON at one: PYTHON=/usr/bin/python3.11 bash run.sh"
  exit 1
fi

# --- Debian packages ---------------------------------------------------------------------------
missing_debs=()
command -v espeak-ng >/dev/null 2>&1 || missing_debs+=(espeak-ng)
ldconfig -p 2>/dev/null | grep -q libportaudio.so.2 || missing_debs+=(libportaudio2)
# soundfile's wheel carries its own libsndfile on common platforms; elsewhere it loads Debian's.
ldconfig -p 2>/dev/null | grep -q libsndfile.so.1 || missing_debs+=(libsndfile1)
# The README's curl dialogue is run by the tests.
[ "$level" = dev ] && ! command -v curl >/dev/null 2>&1 && missing_debs+=(curl)
# The tests write WAV files in every format a recorder might with sox.
[ "$level" = dev ] && ! command -v sox >/dev/null 2>&1 && missing_debs+=(sox)
if [ "${#missing_debs[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing_debs[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  # Wait up to 5 minutes for another package manager run (unattended upgrades, a parallel set-up)
  # to release its lock instead of failing at once.
  apt_wait=(-o DPkg::Lock::Timeout=300)
  for attempt in 1 2 3; do
    "${sudo_cmd[@]}" apt-get "${apt_wait[@]}" update -qq >&2 && break
    [ "$attempt" = 3 ] && { say "error: apt-get update failed 3 times"; exit 1; }
    say "apt-get update failed (another install holding the lists lock?); retrying in 20 s"
    sleep 20
  done
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get "${apt_wait[@]}" install -y -qq \
    "${missing_debs[@]}" >&2
fi

# --- the virtual environment -------------------------------------------------------------------
venv="$root/.venv"
case "$level" in
  run) requirements="$root/requirements.txt" ;;
  skill) requirements="$root/requirements-skill.txt" ;;
  dev) requirements="$root/requirements-dev.txt" ;;
esac
if [ -x "$venv/bin/python" ] && ! python_ok "$venv/bin/python"; then
  say "the existing .venv has Python $(python_version "$venv/bin/python"); recreating it with $python"
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  say "creating the virtual environment in .venv with Python $(python_version "$python")"
  "$python" -m venv "$venv"
fi
# One stamp per level, over every requirements file (they include one another with -r).
stamp="$venv/.installed-$level.sha256"
want_sum="$(cat "$root"/requirements*.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want_sum" ]; then
  say "installing $(basename "$requirements") into .venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
  echo "$want_sum" >"$stamp"
fi

# --- the npm test client -----------------------------------------------------------------------
if [ "$want_node" = 1 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    say "npm not found: skipping the npm test client virtual-alexa, so the end-to-end test"
    say "  tests/test_skill_virtual_alexa.py is skipped (under CI=true it fails instead)."
    say "  Install Node.js 20 or later with npm (Debian: sudo apt-get install nodejs npm) to run it."
  else
    lock_sum="$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)"
    if [ "$(cat "$root/node_modules/.lock.sha256" 2>/dev/null)" != "$lock_sum" ]; then
      say "installing the npm test client (virtual-alexa)"
      (cd "$root" && npm ci --silent --no-audit --no-fund >&2)
      echo "$lock_sum" >"$root/node_modules/.lock.sha256"
    fi
  fi
fi
