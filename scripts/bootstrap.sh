#!/usr/bin/env bash
# Sets up everything Spine Check needs on a fresh machine, skipping what is already there:
# Debian packages (espeak-ng for speech out, libportaudio2 for the microphone, libsndfile1 for
# reading audio files), the Python virtual environment with requirements.txt, and (with
# --with-node, the test set-up) the npm test client and sox, which the tests use to write WAV
# files in every format a recorder might.
# Sourced by run.sh and test.sh so that each of the README's two commands works on its own.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want_node=0
for arg in "$@"; do [ "$arg" = "--with-node" ] && want_node=1; done

missing_debs=()
command -v espeak-ng >/dev/null 2>&1 || missing_debs+=(espeak-ng)
ldconfig -p 2>/dev/null | grep -q libportaudio.so.2 || missing_debs+=(libportaudio2)
# soundfile's wheel carries its own libsndfile on common platforms; elsewhere it loads Debian's.
ldconfig -p 2>/dev/null | grep -q libsndfile.so.1 || missing_debs+=(libsndfile1)
if [ "$want_node" = 1 ]; then
  command -v sox >/dev/null 2>&1 || missing_debs+=(sox)
fi
if [ "${#missing_debs[@]}" -gt 0 ]; then
  echo "spine-check setup: installing Debian packages: ${missing_debs[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing_debs[@]}" >&2
fi

venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want_sum="$(sha256sum "$root/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want_sum" ]; then
  echo "spine-check setup: creating the virtual environment in .venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/requirements.txt" >&2
  echo "$want_sum" >"$stamp"
fi

if [ "$want_node" = 1 ]; then
  lock_sum="$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$root/node_modules/.lock.sha256" 2>/dev/null)" != "$lock_sum" ]; then
    echo "spine-check setup: installing the npm test client (virtual-alexa)" >&2
    (cd "$root" && npm ci --silent --no-audit --no-fund >&2)
    echo "$lock_sum" >"$root/node_modules/.lock.sha256"
  fi
fi
