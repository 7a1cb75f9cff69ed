#!/usr/bin/env bash
# Runs the Spine Check assessment: by voice when a microphone and speaker are present,
# in plain text otherwise. Sets up what it needs first. Options pass through to local_voice.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$root/scripts/bootstrap.sh"
cd "$root"
exec "$root/.venv/bin/python" -m local_voice "$@"
