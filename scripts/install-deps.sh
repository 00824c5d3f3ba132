#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package xfed needs to build, run and test, and keeps Debian from
# starting the system services of the peer packages (prosody, ejabberd, kamailio would otherwise
# take 5269/5222/5060 on a real host).
#   scripts/install-deps.sh            build + runtime packages
#   scripts/install-deps.sh --test     also the test peers and tools
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  g++-12 clang-14 libclang-rt-14-dev
  libasio-dev libssl-dev openssl libexpat1-dev libunbound-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libosip2-dev libedit-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
)
# Test peers and tools. lua-unbound is only a Recommends of prosody (and we install without
# recommends), but without it Prosody's DNS goes to the system resolver. dnsmasq-base is the
# binary without the system service.
test_pkgs=(python3 procps iproute2 hyperfine dnsmasq-base strace openssl util-linux
  prosody lua-unbound ejabberd python3-slixmpp)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${test_pkgs[@]}")
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps.sh: run as root (it calls apt-get)" >&2
  exit 1
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

# Package scripts must not start services: a policy-rc.d that says "no" while we install.
made_policy=""
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
trap '[[ -n "$made_policy" ]] && rm -f /usr/sbin/policy-rc.d' EXIT

export DEBIAN_FRONTEND=noninteractive
echo "install-deps.sh: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# If a peer package is present, make sure its system service stays off.
# erlang-base (ejabberd) also enables epmd, which would listen on 4369.
for unit in prosody.service ejabberd.service kamailio.service epmd.socket epmd.service; do
  if command -v systemctl >/dev/null 2>&1 && systemctl list-unit-files "$unit" >/dev/null 2>&1; then
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  fi
done
