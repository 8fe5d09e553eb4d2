#!/usr/bin/env bash
# Installs the Debian packages that only the tests need, only those missing: Chromium, which
# e2e.dashboard drives headless (docs/dashboard.md). `make test` runs this before ctest.
# Safe to run any number of times: with everything present it does nothing and prints one line.
set -euo pipefail

PACKAGES=(chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-test-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-test-deps: done"
