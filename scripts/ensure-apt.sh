#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing; silent when all are there.
# Usage: scripts/ensure-apt.sh pkg...
set -euo pipefail
missing=()
for p in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "wasmqtt: missing Debian packages: ${missing[*]}" >&2
    echo "  install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
