#!/bin/bash
# Integration-test runner: every tests/integration/*.test.sh, each test_*
# function in its own fresh bash subshell, in mode `root` and in mode
# `rootless` (as the unprivileged user sbxtest).
#
#   SBXRUN=/abs/sbxrun HELPERS=/abs/helpers tests/integration/run.sh [FILE.test.sh...]
#   TESTS=regex     only tests whose "file:function" matches
#   MODES="root rootless"   (default both; non-root callers get rootless only)
#   VERBOSE=1       print every test's output, not only the failing ones'
#   TEST_TIMEOUT=N  per-test limit in seconds (default 120)
#
# Output: `PASS root core.test.sh:test_echo` per test (FAIL/SKIP likewise,
# with the test's output indented after a FAIL), a summary per mode and a
# last line `N passed, N failed, N skipped`; exit 1 if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${SBXRUN:=$top/build/sbxrun}"
: "${HELPERS:=$top/build/helpers}"
: "${TEST_TIMEOUT:=120}"
: "${TESTS:=}"
export SBXRUN HELPERS SBX_SRCDIR="$top"

die() { echo "integration: $*" >&2; exit 2; }
[ -x "$SBXRUN" ] || die "SBXRUN=$SBXRUN is not an executable"
case $SBXRUN in /*) ;; *) SBXRUN=$(cd "$(dirname "$SBXRUN")" && pwd)/$(basename "$SBXRUN") ;; esac
case $HELPERS in /*) ;; *) HELPERS=$(cd "$HELPERS" 2>/dev/null && pwd || echo "$HELPERS") ;; esac
for t in jq setpriv busybox; do
	command -v "$t" >/dev/null || die "missing tool $t (scripts/install-deps.sh --check-or-install)"
done

if [ "$(id -u)" = 0 ]; then
	: "${MODES:=root rootless}"
	rootless_user=sbxtest
else
	# Not root: we cannot drop to sbxtest; the caller IS the rootless user.
	: "${MODES:=rootless}"
	rootless_user=$(id -un)
	case " $MODES " in *" root "*) die "mode root needs root" ;; esac
fi

# --- one-time host setup for the rootless mode (root only) ----------------
if [ "$(id -u)" = 0 ] && [[ " $MODES " == *" rootless "* ]]; then
	id sbxtest >/dev/null 2>&1 || useradd -m -s /bin/bash sbxtest ||
		die "cannot create user sbxtest"
	# A subordinate id range lets newuidmap/newgidmap map more than the
	# user's own id (multi-range uidMappings, process.user.uid 1000).
	# Its real range is used; a missing one is allocated where it
	# overlaps nobody else's (tests/subids.sh).
	# shellcheck source=tests/subids.sh
	source "$top/tests/subids.sh"
	sbx_subid_ensure sbxtest || die "cannot give sbxtest a subordinate id range"
	uid=$(id -u sbxtest)
	install -d -m 0700 -o sbxtest -g sbxtest "/run/user/$uid"
	# Rootless networking (pasta, slirp4netns) opens /dev/net/tun; Debian's
	# udev makes it 0666, a machine without udev leaves it 0600.
	# A machine without the node at all gets it (the tun driver's
	# fixed numbers; the kernel loads the module on first open).
	[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod -m 0666 /dev/net/tun c 10 200; }
	[ -c /dev/net/tun ] && chmod 0666 /dev/net/tun
fi

# Root's containers get their host ids from the pool of the dedicated user
# `sbxrun` (`sbxrun spec` as root adds a user namespace): create it.
if [ "$(id -u)" = 0 ] && [[ " $MODES " == *" root "* ]]; then
	"$top/scripts/setup-userns.sh" >/dev/null || die "scripts/setup-userns.sh failed"
fi

work=$(mktemp -d /tmp/sbx-it.XXXXXX) || die "mktemp"
chmod 0755 "$work"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# One pristine busybox rootfs per mode, owned by that mode's user; bundles
# copy it (cp -a) instead of rebuilding 270 applet links every time.
"$top/scripts/mkrootfs.sh" "$work/rootfs-root" >/dev/null || die "scripts/mkrootfs.sh failed"
if [[ " $MODES " == *" rootless "* ]]; then
	cp -a "$work/rootfs-root" "$work/rootfs-rootless"
	[ "$(id -u)" = 0 ] && chown -R "$rootless_user:" "$work/rootfs-rootless"
fi

# sweep_containers USER STATE_ROOT: `delete --force` every container
# recorded under STATE_ROOT, as USER.
sweep_containers() {
	local u=$1 root=$2 pre=() id
	if [ "$u" != root ] && [ "$(id -u)" = 0 ]; then
		pre=(setpriv --reuid="$u" --regid="$u" --init-groups env XDG_RUNTIME_DIR="/run/user/$(id -u "$u")")
	fi
	for id in $("${pre[@]}" "$SBXRUN" --root "$root" list -q 2>/dev/null); do
		"${pre[@]}" "$SBXRUN" --root "$root" delete --force "$id" >/dev/null 2>&1
	done
}

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=("$here"/*.test.sh)
fi

total_pass=0 total_fail=0 total_skip=0
failed_names=()
n=0

for mode in $MODES; do
	pass=0 fail=0 skipped=0
	if [ "$mode" = root ]; then user=root; else user=$rootless_user; fi
	for file in "${files[@]}"; do
		[ -f "$file" ] || die "no such test file $file"
		file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
		base=$(basename "$file")
		# Test functions in definition order (extdebug gives the line).
		mapfile -t tests < <(bash -c '
			source "$1" >/dev/null 2>&1; source "$2" >/dev/null 2>&1
			shopt -s extdebug
			for f in $(declare -F | awk "{print \$3}" | grep "^test_"); do
				declare -F "$f"
			done | sort -k2,2n | awk "{print \$1}"' _ "$here/lib.sh" "$file")
		if [ ${#tests[@]} -eq 0 ]; then
			# A syntax error makes `source` define nothing: never pass that.
			echo "FAIL $mode $base (defines no test_* function; bash -n says: $(bash -n "$file" 2>&1 | head -1))"
			fail=$((fail + 1))
			failed_names+=("$mode $base")
			continue
		fi
		for t in "${tests[@]}"; do
			name="$base:$t"
			if [ -n "$TESTS" ] && ! [[ $name =~ $TESTS ]]; then continue; fi
			n=$((n + 1))
			d="$work/t$n"
			mkdir -p "$d/tmp" "$d/state"
			: >"$d/failmark"
			[ "$user" != root ] && [ "$(id -u)" = 0 ] && chown -R "$user:" "$d/tmp" "$d/state"
			chmod 0755 "$d"
			start=$(date +%s.%N)
			# setsid: the test gets its own process group (pgid = this
			# pid), so whatever it leaves running is killed by id below.
			SBX_TEST_MODE=$mode SBX_TEST_USER=$user TEST_TMP="$d/tmp" \
			SBX_ROOT="$d/state" SBX_IT_FAILMARK="$d/failmark" \
			SBX_IT_ROOTFS="$work/rootfs-$mode" \
			setsid timeout -k 5 "$TEST_TIMEOUT" bash -c '
				cd "$TEST_TMP" || exit 1
				source "$1" || exit 1
				source "$2" || exit 1
				"$3"' _ "$here/lib.sh" "$file" "$t" </dev/null >"$d/log" 2>&1 &
			pid=$!
			wait "$pid"
			rc=$?
			kill -KILL -- "-$pid" 2>/dev/null
			# Containers run in their own sessions and process groups
			# (docs/security.md, class 5): the group kill above does not
			# reach them.  Delete whatever the test left behind.
			sweep_containers "$user" "$d/state"
			secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
			if [ "$rc" = 77 ]; then
				why=$(grep -m1 '^SKIP: ' "$d/log" | cut -c7-)
				echo "SKIP $mode $name (${why:-no reason given})"
				skipped=$((skipped + 1))
			elif [ "$rc" = 0 ] && [ ! -s "$d/failmark" ]; then
				echo "PASS $mode $name (${secs}s)"
				[ -n "${VERBOSE:-}" ] && sed 's/^/    /' "$d/log"
				pass=$((pass + 1))
			else
				why="exit status $rc"
				[ "$rc" = 124 ] && why="timed out after ${TEST_TIMEOUT}s"
				[ "$rc" = 0 ] && why="assertion failed but the function returned 0"
				echo "FAIL $mode $name ($why, ${secs}s)"
				sed 's/^/    | /' "$d/log"
				fail=$((fail + 1))
				failed_names+=("$mode $name")
			fi
			rm -rf "$d"
		done
	done
	echo "== mode $mode: $pass passed, $fail failed, $skipped skipped"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skipped))
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "== failed:"
	printf '   %s\n' "${failed_names[@]}"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
