#!/bin/bash
# Optional (not part of CI): the OCI runtime-tools validation suite against
# several runtimes, one result line per test and runtime, then pass counts.
#
#   tests/conformance/runtime-tools.sh SRC [RUNTIME...]
#
# SRC is a runtime-tools source tree (github.com/opencontainers/runtime-tools,
# e.g. the tree of Debian's golang-github-opencontainers-runtime-tools source
# package, version 0.9.0+git20220423, whose validation/ the -dev binary
# package does not ship).  It is built in place with Debian's golang-go
# (apt-get install golang-go; the tree vendors its dependencies, no network)
# unless already built.  RUNTIMEs default to build/sbxrun, runc and crun.
# Run as root (most tests create containers as root).  Nothing of SRC is
# copied into this repository.
#
# A test passes when it exits 0 and its TAP output has no "not ok".
# Output: "PASS|FAIL <runtime> <test>" lines, then a table
# "<runtime>: N passed, M failed" and, for sbxrun, the tests it fails that
# runc or crun passes (the issue's acceptance: none outside cgroups).
set -uo pipefail
[ $# -ge 1 ] || { sed -n '2,20p' "$0"; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$(cd "$1" && pwd) || exit 2
shift
runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=("$top/build/sbxrun" "$(command -v runc)" "$(command -v crun)")
: "${TEST_TIMEOUT:=120}"
[ "$(id -u)" = 0 ] || { echo "runtime-tools.sh: run as root"; exit 2; }

if [ ! -x "$src/runtimetest" ]; then
	command -v go >/dev/null || { echo "runtime-tools.sh: go not installed (apt-get install golang-go)"; exit 2; }
	(cd "$src" &&
		export GOFLAGS=-mod=vendor CGO_ENABLED=0 GOTOOLCHAIN=local \
			GOCACHE=${GOCACHE:-$src/.gocache} GOPATH=${GOPATH:-$src/.gopath} &&
		go build -o runtimetest ./cmd/runtimetest &&
		for d in validation/*/; do
			n=$(basename "$d")
			[ "$n" = util ] || go build -o "validation/$n.t" "./validation/$n" || echo "build failed: $n"
		done) || exit 2
fi

results=$(mktemp -d /tmp/sbx-rtools.XXXXXX)
trap 'rm -rf "$results"' EXIT
for rt in "${runtimes[@]}"; do
	name=$(basename "$rt")
	for t in "$src"/validation/*.t; do
		tn=$(basename "$t" .t)
		out=$(cd "$src" && RUNTIME=$rt timeout -k 5 "$TEST_TIMEOUT" "$t" 2>&1)
		rc=$?
		if [ "$rc" = 0 ] && ! grep -q '^not ok' <<<"$out"; then
			echo "PASS $name $tn"
			echo "$tn" >>"$results/$name.pass"
		else
			echo "FAIL $name $tn ($(grep -m1 '^not ok' <<<"$out" | cut -c1-150))"
			echo "$tn" >>"$results/$name.fail"
		fi
	done
done
echo "== summary"
for rt in "${runtimes[@]}"; do
	name=$(basename "$rt")
	echo "$name: $(wc -l <"$results/$name.pass" 2>/dev/null || echo 0) passed, $(wc -l <"$results/$name.fail" 2>/dev/null || echo 0) failed"
done
sbx=$(basename "${runtimes[0]}")
if [ -f "$results/$sbx.fail" ]; then
	echo "== $sbx fails, a peer passes:"
	while read -r tn; do
		peers=$(for rt in "${runtimes[@]:1}"; do n=$(basename "$rt"); grep -qx "$tn" "$results/$n.pass" 2>/dev/null && echo -n "$n "; done)
		[ -n "$peers" ] && echo "   $tn (passed by: $peers)"
	done <"$results/$sbx.fail"
fi
