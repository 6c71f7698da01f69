# Sourced by app.sh and test.sh: create .venv and install insight into it,
# again only when pyproject.toml has changed since the last install.
# torch==2.13.0 goes first: on CPU machines it resolves to a local CPU build,
# while an unpinned torch would pull gigabytes of CUDA packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras="${1:-}"
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)${extras//[^a-z]/}"
if [ ! -f "$stamp" ]; then
    echo "installing insight into $root/.venv (first run only) ..." >&2
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
    .venv/bin/python -m pip show torch >/dev/null 2>&1 || .venv/bin/python -m pip install --quiet "torch==2.13.0"
    .venv/bin/python -m pip install --quiet -e ".${extras}"
    touch "$stamp"
fi
