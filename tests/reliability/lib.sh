# shellcheck shell=bash
# Helpers for tests/reliability/*.test.sh, sourced by each test file on top
# of tests/integration/lib.sh (tests/reliability/run.sh drives these files
# through the integration runner: one fresh subshell, TEST_TMP and SBX_ROOT
# per test function, modes root and rootless).
#
# Everything a test counts is keyed to the test's own IDs and marker, never
# host-wide, so that other suites running on the machine at the same time
# cannot make a test pass or fail:
#   - container IDs start with $PFX (unique per test process);
#   - sbxrun and the container processes carry SBX_REL_MARK=$MARK in their
#     environment (sbxrun's own children before their execve inherit it
#     from sbxrun, the workload gets it from config.json), so a leftover
#     process is found by its /proc/PID/environ;
#   - cgroups are found by name (sbx-$PFX-*), state dirs under $SBX_ROOT,
#     mounts and fds by the test's own paths, user namespace pool claims
#     by the state root they name.
#
# Size: SBX_REL_SCALE=quick|ci|full (run.sh sets it; `make check` uses ci,
# `make check-stress` full, the sanitizer pass of CI quick).

: "${SBX_REL_SCALE:=ci}"
MARK="rel-$$-x"
PFX="r$$"

# scale QUICK CI FULL: the number for the current scale.
scale() {
	case $SBX_REL_SCALE in
	quick) echo "$1" ;;
	full) echo "$3" ;;
	*) echo "$2" ;;
	esac
}

# report TEXT: a figure for the suite's output (run.sh prints it).
report() { echo "REPORT $SBX_TEST_MODE: $*"; }

# rsbx ARGS...: sbxrun as the mode's user, with the marker in its env.
rsbx() {
	as_user env SBX_REL_MARK="$MARK" "$SBXRUN" --root "$SBX_ROOT" "$@"
}

# rstate ID FIELD: a scalar field (status, pid) of `sbxrun state ID`,
# without jq: jq 1.6 takes ~40 ms to start, which in the loops here
# (polling for `stopped`, per trial) was most of the suite's time.
rstate() {
	local js
	js=$(rsbx state "$1" 2>/dev/null) || return 1
	[[ $js =~ \"$2\":\ *\"?([^\",}]*) ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

# rsbx_bg OUT ERR ARGS...: like sbx_bg (SBX_PID is sbxrun itself).
rsbx_bg() {
	local out=$1 err=$2
	shift 2
	(as_user_exec env SBX_REL_MARK="$MARK" "$SBXRUN" --root "$SBX_ROOT" "$@") >"$out" 2>"$err" &
	SBX_PID=$!
}

# rel_bundle DIR CMD...: a bundle whose process carries the marker.
rel_bundle() {
	local dir=$1
	shift
	make_bundle "$dir" "$@" || return 1
	cfg "$dir" ".process.env += [\"SBX_REL_MARK=$MARK\"]"
}

# The cgroup2 mount point of this mount namespace ("" if none).
CGMOUNT=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)

# Precise short sleeps without a fork per call: read -t on a fifo that
# nobody ever writes to.
_rel_never=
msleep_us() {
	if [ -z "$_rel_never" ]; then
		mkfifo "$TEST_TMP/.never" 2>/dev/null # subshells may race here
		[ -p "$TEST_TMP/.never" ] || return 1
		exec {_rel_never}<>"$TEST_TMP/.never"
	fi
	local us=$1
	read -r -t "$((us / 1000000)).$(printf '%06d' $((us % 1000000)))" -u "$_rel_never" _ || true
}

# now_us: microseconds (bash 5 $EPOCHREALTIME, no fork).
now_us() {
	local t=${EPOCHREALTIME/./}
	echo "${t#0}"
}

# --- what a container can leave behind, keyed to this test --------------

marked_pids() {
	grep -l -a -F -- "SBX_REL_MARK=$MARK" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | sort -n
}

# pids of processes that are still in cgroups named sbx-$PFX-* (any state)
cgroup_pids() {
	[ -n "$CGMOUNT" ] || return 0
	find "$CGMOUNT" -mindepth 1 -maxdepth 6 -type d -name "sbx-$PFX-*" 2>/dev/null |
		while read -r d; do cat "$d/cgroup.procs" 2>/dev/null; done
}

cgroup_dirs() {
	[ -n "$CGMOUNT" ] || return 0
	find "$CGMOUNT" -mindepth 1 -maxdepth 6 -type d -name "sbx-$PFX-*" 2>/dev/null
}

# zombies whose parent is this test shell or a marked process
marked_zombies() {
	local parents
	parents=" $$ $(marked_pids | tr '\n' ' ') "
	ps -eo pid=,ppid=,stat= | awk -v p="$parents" '$3 ~ /^Z/ && index(p, " " $2 " ") {print $1}'
}

state_dirs() {
	ls -A "$SBX_ROOT" 2>/dev/null | grep -v '^\.cache$'
}

# claims of the rootful user namespace pool (include/sbx/idpool.h) that
# name this test's state root (the registry is root's; none: 0)
POOL_REGISTRY=/run/sbxrun/.idpool
pool_claims() {
	local r
	[ -r "$POOL_REGISTRY" ] || return 0
	r=$(realpath -m "$SBX_ROOT")
	find "$POOL_REGISTRY" -maxdepth 1 -type f -regex '.*/[0-9]+' -exec grep -l -x -F -- "$r" {} + 2>/dev/null
}

# fds anywhere on the host that point into this test's files
held_fds() {
	find /proc/[0-9]*/fd -maxdepth 1 \( -lname "$TEST_TMP/*" -o -lname "$SBX_ROOT/*" \) \
		! -lname "$TEST_TMP/.never" 2>/dev/null
}

our_mounts() {
	# (a test's own tmpfs at $TEST_TMP/tiny is not a leftover)
	grep -F -- "$TEST_TMP" /proc/self/mountinfo | grep -v -F " $TEST_TMP/tiny "
}

# snapshot: one line of counts (see above), plus the caller's own fds.
snapshot() {
	echo "fds=$(ls /proc/$$/fd | wc -l) held_fds=$(held_fds | wc -l)" \
		"mounts=$(our_mounts | wc -l) cgroups=$(cgroup_dirs | wc -l)" \
		"state_dirs=$(state_dirs | wc -l) procs=$(marked_pids | wc -l)" \
		"cgroup_procs=$(cgroup_pids | wc -l) zombies=$(marked_zombies | wc -l)" \
		"pool_claims=$(pool_claims | wc -l)"
}

# leftovers ID: what of container ID is still there (empty: nothing).
leftovers() {
	local id=$1 p
	p=$(marked_pids | tr '\n' ' ')
	[ -n "$p" ] && echo "process(es) $p: $(for x in $p; do tr '\0' ' ' </proc/"$x"/cmdline 2>/dev/null; echo -n '| '; done)"
	[ -n "$CGMOUNT" ] && find "$CGMOUNT" -mindepth 1 -maxdepth 6 -type d -name "sbx-$id" 2>/dev/null |
		sed 's/^/cgroup /'
	[ -e "$SBX_ROOT/$id" ] && echo "state dir $SBX_ROOT/$id"
	our_mounts | sed 's/^/mount /'
	true
}

# expect_nothing_left ID WHAT: nothing of ID may be left (checked again
# after 0.5 s so that a process on its way out after SIGKILL is not
# counted; an orphan or a leaked cgroup is still there then).
expect_nothing_left() {
	local id=$1 what=$2 l
	l=$(leftovers "$id")
	[ -z "$l" ] && return 0
	sleep 0.5
	l=$(leftovers "$id")
	[ -z "$l" ] && return 0
	_sbx_fail "$what: left behind: $l"
}

# kill_marked: clean up after a failed trial so later trials start clean.
kill_marked() {
	local p d
	for p in $(marked_pids); do kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
	cgroup_dirs | sort -r | while read -r d; do
		echo 1 >"$d/cgroup.kill" 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
	true
}

# median of the numbers on stdin
median() {
	sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print 0}'
}

# mean_ms_us US...: mean of microsecond values, in ms with 2 decimals
mean_ms() {
	awk '{s+=$1; n++} END {if (n) printf "%.2f", s/n/1000; else print "n/a"}'
}

# rel_cleanup: whatever a failed test left (runs at the test's exit):
# every container of this test goes with delete --force, then whatever
# still carries the marker.  Harmless when nothing is left.
rel_cleanup() {
	local id
	[ -n "${SBX_ROOT:-}" ] && [ -n "${TEST_TMP:-}" ] && [ -d "$SBX_ROOT" ] || return 0
	for id in $(state_dirs); do rsbx delete --force "$id" >/dev/null 2>&1; done
	[ -n "$(marked_pids)$(cgroup_dirs)" ] && kill_marked
	true
}
trap rel_cleanup EXIT
# Open msleep_us's fifo now, so that the caller's fd count (snapshot) does
# not change when a test first sleeps.
if [ -n "${TEST_TMP:-}" ] && [ -d "$TEST_TMP" ]; then msleep_us 0; fi
