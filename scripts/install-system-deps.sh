#!/usr/bin/env bash
# Debian packages the test suite needs: a real Secret Service (gnome-keyring on a private D-Bus session),
# secret-tool to read it back from outside the CLI, Chromium for the browser flows, tmux for terminal tests,
# fish and zsh to evaluate what `env` prints and for the tab-completion tests (bash is always there), curl for
# the `exec` pattern the README shows.
# Runs apt-get only when something is missing; needs root (or sudo) for that.
set -euo pipefail
packages=(dbus gnome-keyring libsecret-tools chromium tmux fish zsh curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "System packages present: ${packages[*]}"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
