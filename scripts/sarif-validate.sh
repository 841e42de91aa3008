#!/bin/sh
# sarif-validate.sh [--install] [FILE.sarif...]: validate SARIF 2.1.0 logs
# with the SARIF Multitool's `validate` verb (npm package
# @microsoft/sarif-multitool, which ships a Linux binary; the schema comes
# with it, none is copied into this repository).
#
#   --install   only make sure the tool is installed (scripts/install-deps.sh
#               calls this); installs it with npm on first use.
#
# The tool lives in $SBX_TOOLS_DIR (default /var/cache/sbxrun-tools as root,
# ~/.cache/sbxrun-tools otherwise).  A file passes when the validator reports
# no error and no warning other than SARIF2005 about informationUri (sbxrun
# has no public home page to name).  Exit 0 all valid, 1 otherwise or when
# the tool cannot be installed (no npm, registry unreachable): never a skip.
set -eu

version=5.7.0
if [ "$(id -u)" = 0 ]; then dflt=/var/cache/sbxrun-tools; else dflt=$HOME/.cache/sbxrun-tools; fi
dir=${SBX_TOOLS_DIR:-$dflt}/sarif-multitool-$version
tool=$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool

install_tool() {
	[ -x "$tool" ] && return 0
	command -v npm >/dev/null 2>&1 || {
		echo "sarif-validate: npm is missing (apt-get install nodejs npm)" >&2
		exit 1
	}
	mkdir -p "$dir"
	echo "sarif-validate: installing @microsoft/sarif-multitool@$version into $dir" >&2
	if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
		"@microsoft/sarif-multitool@$version" >&2; then
		echo "sarif-validate: npm install @microsoft/sarif-multitool@$version FAILED (is the npm registry reachable?)" >&2
		exit 1
	fi
	# The package's postinstall (chmod) may not have run (npm allowScripts).
	chmod 0755 "$tool" 2>/dev/null || true
	[ -x "$tool" ] || { echo "sarif-validate: $tool missing after npm install" >&2; exit 1; }
}

install_tool
[ "${1:-}" = --install ] && exit 0
[ $# -gt 0 ] || { echo "usage: $0 [--install] FILE.sarif..." >&2; exit 2; }
command -v jq >/dev/null || { echo "sarif-validate: jq is missing" >&2; exit 1; }

rc=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
	if ! "$tool" validate "$f" --output "$tmp/out.sarif" --log ForceOverwrite >"$tmp/log" 2>&1; then
		echo "sarif-validate: $f: the validator failed:" >&2
		cat "$tmp/log" >&2
		rc=1
		continue
	fi
	# Default SARIF level is "warning"; keep errors and warnings, minus
	# the one accepted informationUri warning.
	bad=$(jq -r '.runs[].results[]? | select((.level // "warning") == "error" or
		((.level // "warning") == "warning" and
		 (.ruleId != "SARIF2005" or (.message.id // "" | test("nformationUri") | not)))) |
		"\(.ruleId) \(.level // "warning"): \(.message.arguments // [] | join(" | "))"' "$tmp/out.sarif")
	if [ -n "$bad" ]; then
		echo "sarif-validate: $f is NOT valid SARIF 2.1.0:" >&2
		printf '%s\n' "$bad" >&2
		grep -E 'error|warning' "$tmp/log" >&2 || true
		rc=1
	else
		echo "sarif-validate: $f: valid SARIF 2.1.0"
	fi
done
exit $rc
