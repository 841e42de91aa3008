#!/bin/sh
# mkbundle.sh DIR [--rootless] [-- CMD ARGS...]: an OCI bundle with a busybox
# rootfs (scripts/mkrootfs.sh) and the hardened config from `sbxrun spec`,
# with process.args set to CMD ARGS... when given.
#   SBXRUN=/path/to/sbxrun (default: build/sbxrun next to this script)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
sbxrun=${SBXRUN:-$here/../build/sbxrun}
usage() { echo "usage: $0 DIR [--rootless] [-- CMD ARGS...]" >&2; exit 2; }

[ $# -ge 1 ] || usage
dir=$1
shift
rootless=
while [ $# -gt 0 ]; do
	case $1 in
	--rootless) rootless=--rootless; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ -x "$sbxrun" ] || { echo "mkbundle: $sbxrun not built (make)" >&2; exit 1; }
command -v jq >/dev/null || { echo "mkbundle: jq is missing" >&2; exit 1; }

mkdir -p "$dir"
"$here/mkrootfs.sh" "$dir/rootfs" >/dev/null
"$sbxrun" spec $rootless --bundle "$dir"
if [ $# -gt 0 ]; then
	args=$(jq -cn '$ARGS.positional' --args -- "$@")
	new=$(jq --argjson a "$args" '.process.args = $a' "$dir/config.json")
	printf '%s\n' "$new" >"$dir/config.json"
fi
echo "$dir: bundle ready (args: $(jq -c .process.args "$dir/config.json"))"
