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
# RUNS=N runs every test N times per runtime (some tests race the
# container's shell against `kill`, see docs/conformance.md): a test counts
# as passed when it passed in at least one run, and the "k/N" per test and
# runtime is printed.
set -uo pipefail
[ $# -ge 1 ] || { sed -n '2,20p' "$0"; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$(cd "$1" && pwd) || exit 2
shift
runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=("$top/build/sbxrun" "$(command -v runc)" "$(command -v crun)")
: "${TEST_TIMEOUT:=120}"
: "${RUNS:=1}"
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
		ok=0 first=
		for _ in $(seq "$RUNS"); do
			out=$(cd "$src" && RUNTIME=$rt timeout -k 5 "$TEST_TIMEOUT" "$t" 2>&1 </dev/null)
			rc=$?
			# crun 1.8.1 fchowns the container's stdio to its root
			# user, /dev/null included (runc skips /dev/null; sbxrun
			# chowns no stdio): linux_ns_nopath maps container root to
			# host uid 1000 and the host's /dev/null ends up 1000:1000.
			# Put it back and say which runtime did it.
			if [ "$(stat -c '%u:%g %a' /dev/null)" != "0:0 666" ]; then
				echo "WARNING: $name $tn changed the host's /dev/null to $(stat -c '%u:%g %a' /dev/null); restored" >&2
				chown 0:0 /dev/null && chmod 0666 /dev/null
			fi
			if [ "$rc" = 0 ] && ! grep -q '^not ok' <<<"$out"; then
				ok=$((ok + 1))
			elif [ -z "$first" ]; then
				first="$(grep -m1 '^not ok' <<<"$out" | cut -c1-150)"
				[ -n "$first" ] || first="exit $rc"
			fi
		done
		runs=
		[ "$RUNS" = 1 ] || runs=" $ok/$RUNS"
		if [ "$ok" -gt 0 ]; then
			echo "PASS $name $tn$runs"
			echo "$tn" >>"$results/$name.pass"
		else
			echo "FAIL $name $tn$runs ($first)"
			echo "$tn" >>"$results/$name.fail"
		fi
	done
done
echo "== summary"
for rt in "${runtimes[@]}"; do
	name=$(basename "$rt")
	echo "$name: $(wc -l 2>/dev/null <"$results/$name.pass" || echo 0) passed, $(wc -l 2>/dev/null <"$results/$name.fail" || echo 0) failed"
done
echo "== table (cgroup: the test checks cgroup limits)"
echo "test$(for rt in "${runtimes[@]}"; do echo -n " $(basename "$rt")"; done)"
for t in "$src"/validation/*.t; do
	tn=$(basename "$t" .t)
	line="$tn"
	for rt in "${runtimes[@]}"; do
		n=$(basename "$rt")
		if grep -qx "$tn" "$results/$n.pass" 2>/dev/null; then line+=" pass"; else line+=" FAIL"; fi
	done
	case $tn in *cgroups*) line+=" cgroup" ;; esac
	echo "$line"
done
sbx=$(basename "${runtimes[0]}")
if [ -f "$results/$sbx.fail" ]; then
	echo "== $sbx fails, a peer passes:"
	while read -r tn; do
		peers=$(for rt in "${runtimes[@]:1}"; do n=$(basename "$rt"); grep -qx "$tn" "$results/$n.pass" 2>/dev/null && echo -n "$n "; done)
		cg=
		case $tn in *cgroups*) cg=" [cgroup]" ;; esac
		[ -n "$peers" ] && echo "   $tn (passed by: $peers)$cg"
	done <"$results/$sbx.fail"
fi
