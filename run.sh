#!/usr/bin/env bash
# Runs the Spine Check assessment: by voice when a microphone and speaker are present,
# in plain text otherwise. Sets up what it needs first. Options pass through to local_voice.
# It runs in the folder you started it from, so relative paths you give (--listen-from FILE.wav,
# --say-to DIR, --summary-dir DIR) and the default summary folder (the current one) mean what you
# expect; the checkout is put on the import path instead of changing folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$root/scripts/bootstrap.sh"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
exec "$root/.venv/bin/python" -m local_voice "$@"
