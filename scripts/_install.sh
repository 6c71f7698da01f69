# Sourced by app.sh and test.sh: create .venv and install insight into it with the extras asked for.
# One marker for both: .venv/.installed-<hash of pyproject.toml> lists the extras installed so far, so
# a second script installs only what is missing (nothing, after test.sh, whose extras include the app's).
# torch==2.13.0 goes first: on CPU machines it resolves to a local CPU build,
# while an unpinned torch would pull gigabytes of CUDA packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras="${1:-}"
stamp=".venv/.installed-$(sha1sum < pyproject.toml | cut -c1-12)"
wanted="${extras//[^a-z0-9,]/}"
missing=""
for extra in ${wanted//,/ }; do
    grep -qx "$extra" "$stamp" 2>/dev/null || missing="$missing $extra"
done
if [ ! -f "$stamp" ] || [ -n "$missing" ]; then
    echo "installing insight into $root/.venv ${extras:+with $extras }(once; later runs skip this) ..." >&2
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
    .venv/bin/python -m pip show torch >/dev/null 2>&1 || .venv/bin/python -m pip install --quiet "torch==2.13.0"
    .venv/bin/python -m pip install --quiet -e ".${extras}"
    touch "$stamp"
    for extra in ${wanted//,/ }; do grep -qx "$extra" "$stamp" || echo "$extra" >> "$stamp"; done
    # the test extra brings every runtime extra
    if grep -qx test "$stamp"; then
        for extra in all app figures md qm9 share render; do grep -qx "$extra" "$stamp" || echo "$extra" >> "$stamp"; done
    fi
fi
