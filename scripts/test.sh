#!/usr/bin/env bash
# Install insight with its test tools (first run only) and run the test suite.
# Extra arguments go to pytest, e.g. -k probe.
source "$(dirname "${BASH_SOURCE[0]}")/_install.sh" "[test]"
exec .venv/bin/python -m pytest "$@"
