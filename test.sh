#!/usr/bin/env bash
# Runs every Spine Check test. Sets up what it needs first (venv, Debian packages, npm client).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$root/scripts/bootstrap.sh" --with-node
cd "$root"
exec "$root/.venv/bin/python" -m pytest -q "$@"
