#!/usr/bin/env bash
# Runs every Spine Check test. Sets up what it needs first: Debian packages, the venv with the run-time
# and the test and lint requirements (requirements-dev.txt), and the npm client when npm is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$root/scripts/bootstrap.sh" --dev --with-node
cd "$root"
exec "$root/.venv/bin/python" -m pytest -q "$@"
