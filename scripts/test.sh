#!/usr/bin/env bash
# The one test command (README and .ci/run): installs dependencies, builds with warnings as
# errors, runs every Swift test, then the Python example client against a live agent, then
# builds the Debian package and checks it in a throw-away root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
bash scripts/test-python-client.sh
bash scripts/test-package.sh
