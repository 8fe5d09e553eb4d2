#!/usr/bin/env bash
# Installs what `make bench` needs beyond the build: Debian's nginx-light (the HTTP limit) and
# wrk (the HTTP load generator), only those missing. nginx's service is not started: the
# benchmark runs its own nginx on a free port and stops it by PID.
set -euo pipefail

PACKAGES=(nginx-light wrk)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-bench-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-bench-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Keep the package's postinst from starting nginx on port 80 (policy-rc.d exit 101 = deny).
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ $created_policy -eq 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-bench-deps: done"
