# shellcheck shell=bash
# Integration-test library, sourced by tests/integration/run.sh into a fresh
# bash subshell together with one *.test.sh file; each test_* function runs
# in its own subshell (see run.sh for the environment it provides).
#
# Environment (set by run.sh):
#   SBXRUN         absolute path of the sbxrun binary under test
#   HELPERS        directory of the static helper binaries (tests/helpers/*.c)
#   SBX_TEST_MODE  root | rootless
#   SBX_TEST_USER  user the mode runs as (root, or sbxtest)
#   TEST_TMP       fresh per-test temp dir owned by the mode's user
#   SBX_ROOT       per-test sbxrun --root state dir
#   SBX_SRCDIR     repository top directory
#
# Failure accounting: every expect_* failure is also recorded in
# $SBX_IT_FAILMARK, so a test whose function forgets `|| return 1` after a
# failed assertion still FAILS (a test must never be able to pass silently).

: "${SBX_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${SBX_TEST_MODE:=root}"
: "${SBX_TEST_USER:=root}"

# Run a command as the mode's user. Root mode: unchanged. Rootless mode run
# by root: setpriv drops to the user with its own groups and a clean
# environment; HOME and XDG_RUNTIME_DIR are set as a login session would
# (sbxrun's rootless default state dir lives under XDG_RUNTIME_DIR).
_user_prefix() {
	_SBX_PREFIX=()
	if [ "$SBX_TEST_MODE" = rootless ] && [ "$(id -u)" = 0 ] &&
	   [ "$SBX_TEST_USER" != root ]; then
		local uid home
		uid=$(id -u "$SBX_TEST_USER")
		home=$(getent passwd "$SBX_TEST_USER" | cut -d: -f6)
		_SBX_PREFIX=(setpriv --reuid="$SBX_TEST_USER" --regid="$SBX_TEST_USER"
			--init-groups --reset-env
			env HOME="$home" USER="$SBX_TEST_USER" LOGNAME="$SBX_TEST_USER"
			XDG_RUNTIME_DIR="/run/user/$uid"
			PATH="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
			ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}"
			LSAN_OPTIONS="${LSAN_OPTIONS:-}")
	fi
}

as_user() {
	_user_prefix
	"${_SBX_PREFIX[@]}" "$@"
}

# as_user with exec semantics: replaces the calling (sub)shell.
as_user_exec() {
	_user_prefix
	exec "${_SBX_PREFIX[@]}" "$@"
}

# sbx ARGS...: run sbxrun with the per-test state dir as the mode's user.
# stdin is whatever the caller gives; run.sh starts every test with
# stdin=/dev/null, so `echo x | sbx run ...` passes data and a plain call
# reads /dev/null.
sbx() {
	as_user "$SBXRUN" --root "$SBX_ROOT" "$@"
}

# sbx_bg OUT ERR ARGS...: start sbxrun in the background with stdout/stderr
# to the files OUT and ERR; sets SBX_PID to the pid of sbxrun ITSELF (the
# subshell execs setpriv which execs sbxrun), so signals sent to $SBX_PID
# reach sbxrun and not a wrapper. Collect the status with `wait $SBX_PID`.
sbx_bg() {
	local out=$1 err=$2
	shift 2
	(as_user_exec "$SBXRUN" --root "$SBX_ROOT" "$@") >"$out" 2>"$err" &
	SBX_PID=$!
}

# Give a path to the mode's user (files created by the root test shell).
chown_user() {
	if [ "$(id -u)" = 0 ] && [ "$SBX_TEST_USER" != root ]; then
		chown -R "$SBX_TEST_USER:" "$@"
	fi
}

# make_bundle DIR [CMD [ARG...]]: busybox rootfs + `sbxrun spec` config.
# Root mode: the spec has a user namespace from the pool (issue 8); a test
# of rootful-without-userns behaviour sets SBX_NO_USERNS=1 (spec
# --no-userns) and says why.
make_bundle() {
	local dir=$1
	shift
	mkdir -p "$dir" || return 1
	if [ -n "${SBX_IT_ROOTFS:-}" ] && [ -d "$SBX_IT_ROOTFS" ]; then
		# run.sh prepared one rootfs per mode, already owned by the user.
		cp -a "$SBX_IT_ROOTFS" "$dir/rootfs" || return 1
	else
		"$SBX_SRCDIR/scripts/mkrootfs.sh" "$dir/rootfs" >/dev/null || return 1
	fi
	chown_user "$dir"
	local specargs=(spec --bundle "$dir")
	[ "$SBX_TEST_MODE" = rootless ] && specargs+=(--rootless)
	[ "$SBX_TEST_MODE" = root ] && [ -n "${SBX_NO_USERNS:-}" ] && specargs+=(--no-userns)
	sbx "${specargs[@]}" || { echo "make_bundle: sbxrun ${specargs[*]} failed" >&2; return 1; }
	if [ $# -gt 0 ]; then
		local args
		args=$(jq -cn '$ARGS.positional' --args -- "$@") || return 1
		cfg "$dir" ".process.args = $args" || return 1
	fi
}

# cfg DIR FILTER: edit DIR/config.json in place with jq (keeps owner/inode).
cfg() {
	local dir=$1 filter=$2 new
	new=$(jq "$filter" "$dir/config.json") || {
		echo "cfg: jq '$filter' failed on $dir/config.json" >&2
		return 1
	}
	printf '%s\n' "$new" >"$dir/config.json"
}

# shellcheck source=tests/subids.sh
source "$SBX_SRCDIR/tests/subids.sh"

# map_subids BUNDLE: rootless mode only, map container 0 to the user and
# container 1..N to the user's real subordinate range from /etc/subuid and
# /etc/subgid (N = its size, at most 65536), so the container has more
# than one uid/gid (newuidmap/newgidmap).  Skips without uidmap or a range.
map_subids() {
	local b=$1 uid gid us uc gs gc
	[ "$SBX_TEST_MODE" = rootless ] || return 0
	command -v newuidmap >/dev/null || skip "newuidmap (uidmap) not installed"
	read -r us uc < <(sbx_subid_range "$SBX_TEST_USER" /etc/subuid)
	read -r gs gc < <(sbx_subid_range "$SBX_TEST_USER" /etc/subgid)
	[ -n "$us" ] || skip "no /etc/subuid range for $SBX_TEST_USER"
	[ -n "$gs" ] || skip "no /etc/subgid range for $SBX_TEST_USER"
	[ "$uc" -gt 65536 ] && uc=65536
	[ "$gc" -gt 65536 ] && gc=65536
	uid=$(id -u "$SBX_TEST_USER") gid=$(id -g "$SBX_TEST_USER")
	cfg "$b" ".linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1},
					{containerID: 1, hostID: $us, size: $uc}]
		  | .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1},
					{containerID: 1, hostID: $gs, size: $gc}]"
}

# add_helper DIR NAME: install a static test helper into the bundle's rootfs.
add_helper() {
	local dir=$1 name=$2
	[ -x "$HELPERS/$name" ] || { echo "add_helper: no helper $HELPERS/$name" >&2; return 1; }
	cp "$HELPERS/$name" "$dir/rootfs/bin/$name" || return 1
	chmod 0755 "$dir/rootfs/bin/$name"
	chown_user "$dir/rootfs/bin/$name"
}

# --- assertions: print what failed, record it, return 1 -------------------

_sbx_fail() {
	local where="${FUNCNAME[2]:-?}"
	echo "ASSERTION FAILED in $where: $*" >&2
	[ -n "${SBX_IT_FAILMARK:-}" ] && echo "$where: $*" >>"$SBX_IT_FAILMARK"
	return 1
}

# expect_eq EXPECTED ACTUAL [WHAT]
expect_eq() {
	[ "$1" = "$2" ] && return 0
	_sbx_fail "${3:-value}: expected '$1', got '$2'"
}

# expect_match REGEX ACTUAL [WHAT]: some line of ACTUAL matches the
# extended regex (grep -E semantics, so ^ and $ anchor lines).
expect_match() {
	printf '%s\n' "$2" | grep -Eq -- "$1" && return 0
	_sbx_fail "${3:-output}: no line matches /$1/ in: $(printf '%q' "$2")"
}

# expect_nomatch REGEX ACTUAL [WHAT]: no line of ACTUAL matches.
expect_nomatch() {
	printf '%s\n' "$2" | grep -Eq -- "$1" || return 0
	_sbx_fail "${3:-output}: a line matches /$1/ in: $(printf '%q' "$2")"
}

# expect_run_error BUNDLE REGEX [SBXRUN-RUN-OPTIONS...]: `sbxrun run` of
# BUNDLE must fail with status 125 (nothing ran) and its stderr match REGEX.
expect_run_error() {
	local b=$1 want=$2 err rc=0
	shift 2
	err=$(sbx run --bundle "$b" "$@" "err-$RANDOM" 2>&1 >/dev/null) || rc=$?
	expect_eq 125 "$rc" "exit status" || return 1
	expect_match "$want" "$err" "stderr"
}

# expect_rc N CMD...: run CMD (output passes through), compare its status.
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" = "$want" ] && return 0
	_sbx_fail "exit status of '$*': expected $want, got $rc"
}

# skip REASON: mark the test skipped (must be called in the test's own
# shell, not inside $(...)).
skip() {
	echo "SKIP: $*"
	exit 77
}

# wait_for TIMEOUT_SECS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
