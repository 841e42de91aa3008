# shellcheck shell=bash
# Leak checks: N cycles of create/start/wait/delete and N of `run`, with
# everything a container can leave behind counted before and after
# (tests/reliability/lib.sh: snapshot), and the time per cycle of the
# first and the last 10% of the cycles (a leak that slows sbxrun down
# shows there before it shows anywhere else).
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# cycle_report NAME FILE: per-cycle microseconds in FILE -> report line.
cycle_report() {
	local name=$1 f=$2 n k first last
	n=$(wc -l <"$f")
	k=$((n / 10))
	[ "$k" -ge 1 ] || k=1
	first=$(head -n "$k" "$f" | mean_ms)
	last=$(tail -n "$k" "$f" | mean_ms)
	report "$name: $n cycles; ms per cycle: first 10% $first, last 10% $last"
	# A leak that makes every cycle slower (a growing directory, table or
	# list) shows as a steady climb; allow noise from the shared machine.
	awk -v a="$first" -v b="$last" 'BEGIN {exit !(b <= 3 * a + 20)}' ||
		_sbx_fail "$name: the last 10% of cycles are much slower ($last ms) than the first ($first ms)"
}

# expect_same_snapshot BEFORE AFTER WHAT: every count equal, except the
# caller's own fds, which must not grow (bash may close one of its own).
expect_same_snapshot() {
	local fb fa
	report "$3: before: $1"
	report "$3: after:  $2"
	fb=$(sed -n 's/^fds=\([0-9]*\) .*/\1/p' <<<"$1")
	fa=$(sed -n 's/^fds=\([0-9]*\) .*/\1/p' <<<"$2")
	[ "$fa" -le "$fb" ] || _sbx_fail "$3: the caller's fds grew from $fb to $fa"
	expect_eq "${1#fds=* }" "${2#fds=* }" "$3: leftovers (before vs after)"
}

# peak_rss ARGS...: the largest peak RSS in kB (GNU time %M: the maxrss of
# sbxrun and of the children it waited for) of 5 calls of sbxrun ARGS as
# the mode's user; "n/a" without GNU time.  {} in ARGS is replaced by a
# fresh container ID per call; each call's container is deleted after it.
peak_rss() {
	local i max=0 kb id a args
	[ -x /usr/bin/time ] || { echo n/a; return 0; }
	_user_prefix
	for i in 1 2 3 4 5; do
		id=$PFX-rss$RANDOM$i
		args=()
		for a in "$@"; do args+=("${a//\{\}/$id}"); done
		/usr/bin/time -o "$TEST_TMP/rss" -f %M "${_SBX_PREFIX[@]}" env SBX_REL_MARK="$MARK" \
			"$SBXRUN" --root "$SBX_ROOT" "${args[@]}" >/dev/null 2>&1 </dev/null
		kb=$(tail -n 1 "$TEST_TMP/rss")
		[ "$kb" -gt "$max" ] && max=$kb
		rsbx delete --force "$id" >/dev/null 2>&1
	done
	echo "$max"
}

test_leak_create_start_delete() {
	local b=$TEST_TMP/b n i id before after t0 st times=$TEST_TMP/times
	n=$(scale 20 200 1000)
	rel_bundle "$b" true || return 1
	before=$(snapshot)
	: >"$times"
	for i in $(seq "$n"); do
		id=$PFX-l$i
		t0=$(now_us)
		rsbx create --bundle "$b" "$id" || { _sbx_fail "cycle $i: create failed"; break; }
		rsbx start "$id" || { _sbx_fail "cycle $i: start failed"; break; }
		# wait: the workload (true) exits on its own
		for _ in $(seq 200); do
			st=$(rstate "$id" status)
			[ "$st" = stopped ] && break
			msleep_us 2000
		done
		[ "$st" = stopped ] || { _sbx_fail "cycle $i: still $st"; break; }
		rsbx delete "$id" || { _sbx_fail "cycle $i: delete failed"; break; }
		echo $(($(now_us) - t0)) >>"$times"
	done
	after=$(snapshot)
	expect_same_snapshot "$before" "$after" "create/start/delete x$n" || return 1
	cycle_report "create/start/wait/delete" "$times"
	report "peak RSS of sbxrun create: $(peak_rss create --bundle "$b" {}) kB (max of 5)"
}

test_leak_run() {
	local b=$TEST_TMP/b n i before after t0 out times=$TEST_TMP/times
	n=$(scale 20 200 1000)
	rel_bundle "$b" sh -c 'echo ok' || return 1
	before=$(snapshot)
	: >"$times"
	for i in $(seq "$n"); do
		t0=$(now_us)
		out=$(rsbx run --bundle "$b" "$PFX-r$i") || { _sbx_fail "run $i failed"; break; }
		[ "$out" = ok ] || { _sbx_fail "run $i: output '$out'"; break; }
		echo $(($(now_us) - t0)) >>"$times"
	done
	after=$(snapshot)
	expect_same_snapshot "$before" "$after" "run x$n" || return 1
	cycle_report "run" "$times"
	report "peak RSS of sbxrun run: $(peak_rss run --bundle "$b" {}) kB (max of 5)"
}
