#!/bin/sh
# Load (or reload) the sbxrun-default AppArmor profile.  Root only: loading
# policy needs CAP_MAC_ADMIN in the initial namespace.  Containers, rootless
# ones included, can then use "process.apparmorProfile": "sbxrun-default".
#
#   scripts/load-apparmor.sh [PROFILE_FILE]
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
profile=${1:-$here/configs/apparmor/sbxrun-default}
[ -f "$profile" ] || profile=/usr/local/share/sbxrun/apparmor/sbxrun-default

if [ "$(id -u)" != 0 ]; then
	echo "load-apparmor.sh: must run as root (loading AppArmor policy needs CAP_MAC_ADMIN)" >&2
	exit 1
fi
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
	echo "load-apparmor.sh: AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled is not Y)" >&2
	exit 1
fi
if ! command -v apparmor_parser >/dev/null 2>&1; then
	echo "load-apparmor.sh: apparmor_parser not found (apt-get install apparmor)" >&2
	exit 1
fi
if [ ! -f "$profile" ]; then
	echo "load-apparmor.sh: profile file not found: $profile" >&2
	exit 1
fi
# -r: replace if already loaded; -W: write the compiled policy to the cache.
apparmor_parser -r -W "$profile"
echo "load-apparmor.sh: loaded $(sed -n 's/^profile \([^ ]*\).*/\1/p' "$profile") from $profile"
