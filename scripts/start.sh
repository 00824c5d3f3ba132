#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what xfed needs, builds it, and starts it on its embedded defaults: a data directory
# with a SQLite store, a lab CA and certificates, site Site1 with one front end pool and one edge
# pool on loopback, SIP domain contoso.test. Prints what it started and where.
#   XFED_DATA_DIR=/path scripts/start.sh    to use another data directory
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh xfed xfedctl
data_dir=${XFED_DATA_DIR:-/var/lib/xfed}
ctl=(build/bin/xfedctl --data-dir "$data_dir")
"${ctl[@]}" 'Start-CsWindowsService'
echo "xfed is running. Data directory: $data_dir (store cms.sqlite, lab PKI in pki/, log in log/)"
"${ctl[@]}" 'Get-CsWindowsService'
"${ctl[@]}" 'Get-CsTopology'
"${ctl[@]}" 'Get-CsPool'
echo "Listening (s2s on EdgePort, the gateway link on LinkPort):"
"${ctl[@]}" 'Get-CsXmppStream -Statistics' | grep -E '^(EdgePort|LinkPort)'
echo "Administer it with: build/bin/xfedctl --data-dir $data_dir   (interactive shell)"
echo "Stop it with:       build/bin/xfedctl --data-dir $data_dir Stop-CsWindowsService"
