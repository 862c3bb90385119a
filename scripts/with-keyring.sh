#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a freshly created, unlocked gnome-keyring: a real Secret
# Service for tests and benchmarks that never touches the developer's own keyring.
#   scripts/with-keyring.sh npx mocha test/e2e/stores.test.ts
set -euo pipefail

if [ -z "${ENTRA_KEYRING_SESSION:-}" ]; then
  for tool in dbus-run-session dbus-send gnome-keyring-daemon secret-tool; do
    if ! command -v "$tool" >/dev/null; then
      echo "This needs $tool: run scripts/install-system-deps.sh (as root) first." >&2
      exit 1
    fi
  done
  export ENTRA_KEYRING_SESSION=1
  # dbus-daemon complains on stderr when it cannot raise its fd limit in a container; that is harmless.
  exec dbus-run-session -- bash "$0" "$@"
fi

# gnome-keyring keeps its files under $HOME: give it a throwaway home for this run.
keyring_home=$(mktemp -d)
# (The daemon leaves with the D-Bus session; kill it early only when it told us its pid: `kill 0` would take
# down our whole process group.)
trap '[ -n "${GNOME_KEYRING_PID:-}" ] && kill "$GNOME_KEYRING_PID" 2>/dev/null; rm -rf "$keyring_home"' EXIT
export XDG_RUNTIME_DIR="$keyring_home/run"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
eval "$(printf 'entra-test-keyring' | HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/share" gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID

# Probe only once our daemon owns the Secret Service name: a probe before that makes D-Bus activate a second
# gnome-keyring with the real HOME and no unlocked collection, which then wants a GUI prompt and never serves us
# (seen on a loaded machine). NameHasOwner asks without activating anything.
owned=""
for _ in $(seq 1 300); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    owned=1
    break
  fi
  sleep 0.1
done
if [ -z "$owned" ]; then
  echo "gnome-keyring did not claim org.freedesktop.secrets on the private D-Bus session within 30 s" >&2
  exit 1
fi

# The default collection appears a moment after the daemon starts: wait until a secret can really be stored
# (up to 30 s: on a loaded 2-core machine it has taken several seconds).
ready=""
for _ in $(seq 1 300); do
  if printf probe | secret-tool store --label=probe service entra-auth-cli-probe username probe >/dev/null 2>&1; then
    secret-tool clear service entra-auth-cli-probe username probe >/dev/null 2>&1 || true
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "gnome-keyring did not come up on the private D-Bus session (control: ${GNOME_KEYRING_CONTROL:-none})" >&2
  printf probe | secret-tool store --label=probe service entra-auth-cli-probe username probe >&2 || true
  exit 1
fi

"$@"
