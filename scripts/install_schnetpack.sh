#!/usr/bin/env bash
# Install the optional SchNetPack support into .venv: insight with the [schnetpack] extra (schnetpack's
# runtime dependencies), then schnetpack 2.2.0 itself with --no-deps --ignore-requires-python (it declares
# Python >= 3.12 but runs on 3.11; its own dependency list would also pull training and linting tools).
# torch==2.13.0 is installed first by _install.sh, so nothing here pulls a CUDA build of torch.
source "$(dirname "${BASH_SOURCE[0]}")/_install.sh" "[${INSIGHT_EXTRAS:-test},schnetpack]"
if ! .venv/bin/python -c "import schnetpack" >/dev/null 2>&1; then
    .venv/bin/python -m pip install --quiet --no-deps --ignore-requires-python "schnetpack==2.2.0"
fi
.venv/bin/python -c "import schnetpack.representation, schnetpack.model; print('schnetpack', schnetpack.__file__)"
