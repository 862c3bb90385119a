#!/usr/bin/env bash
# The test suite, inside a private D-Bus session with an unlocked gnome-keyring (see with-keyring.sh), so the
# keyring store is tested against a real Secret Service.
#   scripts/test.sh                       # everything
#   scripts/test.sh test/e2e/x.test.ts    # just those files
set -euo pipefail
cd "$(dirname "$0")/.."
# No arguments: the whole suite. Arguments: just those files (mocha would otherwise add them to the config's list).
if [ $# -eq 0 ]; then set -- 'test/**/*.test.ts'; fi
exec bash scripts/with-keyring.sh npx mocha "$@"
