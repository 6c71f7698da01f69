#!/usr/bin/env bash
# Install insight (first run only) and start the workbench on the best shipped SchNet.
# Extra arguments go to insight-app, e.g. --port 8050 or --model dtnn-qm9.
source "$(dirname "${BASH_SOURCE[0]}")/_install.sh" "[app,qm9]"
exec .venv/bin/insight-app "$@"
