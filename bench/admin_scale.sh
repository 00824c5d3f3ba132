#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Admin commands at organisation scale (foundation issue): a store with N users (100,000 by
# default), then
#   - Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic over all of them (goal < 10 s)
#   - one-line xfedctl commands that read or change one object (goal < 50 ms each)
# Prints a Markdown table. Usage: bench/admin_scale.sh [N] (needs build/bin/xfedctl, hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
ctl=$PWD/build/bin/xfedctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XFED_DATA_DIR=$work/data

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }

python3 - "$n" >"$work/users.ps1" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f"Enable-CsUser 'User {i}' -SipAddress sip:u{i}@contoso.test")
PY
"$ctl" 'New-CsExternalAccessPolicy FedPic -EnableFederationAccess $true' >/dev/null
"$ctl" 'New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported -SaslNegotiation NotSupported -EnableKeepAlive $false' >/dev/null
provision=$(seconds "$ctl" -f "$work/users.ps1")
grant1=$(seconds "$ctl" 'Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic')
grant2=$(seconds "$ctl" 'Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName $null')
grant3=$(seconds "$ctl" 'Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic')
star=$(seconds "$ctl" 'Grant-CsExternalAccessPolicy -Identity * -PolicyName FedPic')
users=$("$ctl" --json 'Get-CsUser -Filter sip:u99*' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
granted=$(sqlite3 "$work/data/cms.sqlite" "select count(*) from users where policy='FedPic'")

echo "| measurement ($n users) | result |"
echo "|---|---|"
echo "| provision $n users with Enable-CsUser (one script, one transaction each) | ${provision} s |"
echo "| Get-CsUser \\| Grant-CsExternalAccessPolicy -PolicyName FedPic (3 runs) | ${grant1} s, ${grant2} s, ${grant3} s |"
echo "| Grant-CsExternalAccessPolicy -Identity * -PolicyName FedPic | ${star} s |"
echo "| users holding FedPic afterwards (sanity) | ${granted} |"
echo "| Get-CsUser -Filter sip:u99* returned | ${users} users |"
echo
echo "| one-line command on the $n-user store | mean ± σ (hyperfine, 30 runs) |"
echo "|---|---|"
for cmd in \
  'Get-CsUser sip:u50000@contoso.test' \
  'Get-CsUser "User 77777"' \
  'Set-CsUser sip:u50000@contoso.test -Enabled $false' \
  'Grant-CsExternalAccessPolicy sip:u50001@contoso.test FedPic' \
  'Get-CsEffectiveExternalAccessPolicy sip:u50002@contoso.test' \
  'Get-CsXmppAllowedPartner gmail.com' \
  'Set-CsXmppAllowedPartner gmail.com -Description bench' \
  'Set-CsExternalAccessPolicy FedPic -EnableXmppAccess $true' \
  'Get-CsTopology'; do
  hyperfine -N --warmup 3 --runs 30 --export-json "$work/h.json" "$ctl '$cmd'" >/dev/null 2>&1 ||
    hyperfine --warmup 3 --runs 30 --export-json "$work/h.json" "$ctl '$cmd'" >/dev/null
  python3 - "$work/h.json" "$cmd" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"| `{sys.argv[2]}` | {r['mean']*1000:.1f} ms ± {r['stddev']*1000:.1f} ms (max {r['max']*1000:.1f} ms) |")
PY
done
