# Sourced by app.sh and test.sh: create .venv once and install insight into it.
# torch==2.13.0 goes first: on CPU machines it resolves to a local CPU build,
# while an unpinned torch would pull gigabytes of CUDA packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras="${1:-}"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip show torch >/dev/null 2>&1 || .venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".${extras}"
