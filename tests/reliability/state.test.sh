# shellcheck shell=bash
# The state store under damage: corrupt, truncated, foreign-format and
# missing records (list never hides a container, delete --force recovers
# and converges), a full state disk at each write, and failures after
# create that `start` must report (findings 3 and 4 of issue 10).
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# corrupt FILE KIND: damage FILE in place (keeps its owner and inode).
corrupt() {
	local f=$1 size
	size=$(stat -c %s "$f")
	case $2 in
	empty) : >"$f" ;;
	garbage) printf '\x7fELF\x02\x01{{{not json at all' >"$f" ;;
	truncated) head -c $((size / 2)) "$f" >"$f.t" && cat "$f.t" >"$f" && rm -f "$f.t" ;;
	nul) head -c "$size" /dev/zero >"$f" ;;
	esac
}

test_corrupt_state_recovery() {
	local b=$TEST_TMP/b kind when id pid out js n=0
	rel_bundle "$b" sh -c 'sleep 1000 & sleep 1000 & wait' || return 1
	for kind in empty garbage truncated nul; do
		for when in created running; do
			id=$PFX-$kind-$when
			rsbx create --bundle "$b" "$id" || return 1
			[ "$when" = running ] && { rsbx start "$id" || return 1; }
			pid=$(rsbx state "$id" | jq -r .pid)
			corrupt "$SBX_ROOT/$id/state.json" "$kind"
			# list shows it, as unknown with the reason
			expect_match "^$id +0 +unknown +.*corrupt state" "$(rsbx list)" "list ($kind, $when)" || return 1
			js=$(rsbx list --format json) || return 1
			expect_eq unknown "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .status' <<<"$js")" \
				"list json status ($kind, $when)" || return 1
			expect_match 'corrupt state' "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .error' <<<"$js")" \
				"list json error ($kind, $when)" || return 1
			# state and a plain delete fail clearly; the process lives on
			expect_match 'corrupt state' "$(rsbx state "$id" 2>&1)" "state ($kind, $when)" || return 1
			expect_match 'delete --force' "$(rsbx delete "$id" 2>&1)" "delete ($kind, $when)" || return 1
			kill -0 "$pid" || { _sbx_fail "init died before delete --force ($kind, $when)"; return 1; }
			# delete --force recovers, says what it did, leaves nothing
			out=$(rsbx delete --force "$id" 2>&1) || { _sbx_fail "delete --force ($kind, $when): $out"; return 1; }
			expect_match 'unreadable record.*killed [1-9]' "$out" "delete --force says what it did ($kind, $when)" || return 1
			expect_nothing_left "$id" "$kind state.json, $when" || return 1
			n=$((n + 1))
		done
	done
	report "corrupt state.json (empty, garbage, truncated, NUL) x (created, running): $n of 8 recovered"
}

# A state.json of the format before sbxrunStateVersion (format 1) is read
# as before; a newer format is refused but delete --force still works.
test_state_formats() {
	local b=$TEST_TMP/b id=$PFX-v f
	rel_bundle "$b" sleep 1000 || return 1
	rsbx create --bundle "$b" "$id" && rsbx start "$id" || return 1
	f=$SBX_ROOT/$id/state.json
	jq -c 'del(.sbxrunStateVersion)' "$f" >"$f.new" && cat "$f.new" >"$f" && rm "$f.new"
	expect_eq running "$(rsbx state "$id" | jq -r .status)" "format-1 record" || return 1
	jq -c '.sbxrunStateVersion = 99' "$f" >"$f.new" && cat "$f.new" >"$f" && rm "$f.new"
	expect_match 'newer than this sbxrun' "$(rsbx state "$id" 2>&1)" "newer format" || return 1
	expect_match '^'"$id"' +0 +unknown' "$(rsbx list)" "newer format in list" || return 1
	expect_match 'unreadable record.*newer than this sbxrun.*killed 1 process' \
		"$(rsbx delete --force "$id" 2>&1)" "delete --force of a newer format" || return 1
	expect_nothing_left "$id" "newer format"
}

# A record without state.json (a create killed right after claiming the
# ID) and one whose lock file lost the anchor both go with delete --force.
test_missing_state() {
	local b=$TEST_TMP/b id=$PFX-gone
	rel_bundle "$b" sleep 1000 || return 1
	rsbx create --bundle "$b" "$id" || return 1
	rm -f "$SBX_ROOT/$id/state.json"
	: >"$SBX_ROOT/$id/lock"
	expect_match "^$id " "$(rsbx list)" "list" || return 1
	# Only the exec fifo's holder is left to find the init by.
	expect_match 'pid [0-9]+ (holds the exec fifo|answers on exec.sock)' "$(rsbx delete --force "$id" 2>&1)" "delete --force" || return 1
	expect_nothing_left "$id" "no state.json, no anchor"
}

# expect_start_fails ID REGEX WHAT: start must fail with REGEX in its
# message, the container must then be stopped and go with delete.
expect_start_fails() {
	local id=$1 want=$2 what=$3 out rc=0
	out=$(rsbx start "$id" 2>&1) || rc=$?
	[ "$rc" != 0 ] || { _sbx_fail "$what: start exited 0 (output: $out)"; return 1; }
	expect_match "$want" "$out" "$what: start's message" || return 1
	report "$what: start exit $rc: $out"
	expect_eq stopped "$(rsbx state "$id" | jq -r .status)" "$what: status after the failed start" || return 1
	expect_rc 0 rsbx delete "$id" || return 1
	expect_nothing_left "$id" "$what"
}

test_start_reports_failures() {
	local id
	# The rootfs removed between create and start (finding 4): its files
	# are gone, so the exec after start fails.
	rel_bundle "$TEST_TMP/b1" sleep 1000 || return 1
	id=$PFX-norootfs
	rsbx create --bundle "$TEST_TMP/b1" "$id" || return 1
	rm -rf "$TEST_TMP/b1/rootfs"
	expect_start_fails "$id" 'exec "/bin/sleep": No such file or directory' "rootfs removed" || return 1
	# The executable removed.
	rel_bundle "$TEST_TMP/b2" sleep 1000 || return 1
	id=$PFX-noexe
	rsbx create --bundle "$TEST_TMP/b2" "$id" || return 1
	rm -f "$TEST_TMP/b2/rootfs/bin/sleep"
	expect_start_fails "$id" 'exec "/bin/sleep"' "executable removed" || return 1
	# A failing startContainer hook (runs in the container after start).
	rel_bundle "$TEST_TMP/b3" sleep 1000 || return 1
	id=$PFX-hook
	cfg "$TEST_TMP/b3" '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]' || return 1
	rsbx create --bundle "$TEST_TMP/b3" "$id" || return 1
	expect_start_fails "$id" 'startContainer hook.*status 3' "startContainer hook fails" || return 1
}

# --- ENOSPC ---------------------------------------------------------------

# A tiny tmpfs as the state root, filled so that exactly K inodes or K
# blocks are free: every write of create/run hits ENOSPC at some K.
tiny_fs() {
	TINY=$TEST_TMP/tiny
	mkdir -p "$TINY"
	mount -t tmpfs -o size=512k,nr_inodes=48,mode=0700 tmpfs "$TINY" || return 1
	trap 'rel_cleanup; umount "$TINY" 2>/dev/null' EXIT
	chown_user "$TINY"
}

fill_inodes() { # leave $1 free inodes
	local free i
	rm -rf "$TINY/fill"
	mkdir "$TINY/fill"
	free=$(stat -f -c %d "$TINY")
	for i in $(seq $((free - $1))); do : >"$TINY/fill/$i"; done
}

fill_blocks() { # leave $1 free blocks
	local free bs
	rm -rf "$TINY/fill"
	mkdir "$TINY/fill"
	bs=$(stat -f -c %S "$TINY")
	free=$(stat -f -c %a "$TINY")
	[ "$free" -gt "$1" ] && fallocate -l $(((free - $1) * bs)) "$TINY/fill/f"
	true
}

# enospc_try WHAT CMD...: CMD under a full disk either succeeds, or fails
# with 125 and "No space left on device" and leaves nothing behind.
enospc_try() {
	local what=$1 id=$2 out rc=0
	shift 2
	# (to a file: a created container's init keeps the caller's stdio)
	"$@" >"$TEST_TMP/enospc.out" 2>&1 || rc=$?
	out=$(cat "$TEST_TMP/enospc.out")
	if [ "$rc" = 0 ]; then
		enospc_ok=$((enospc_ok + 1))
		return 0
	fi
	enospc_failed=$((enospc_failed + 1))
	[ "$rc" = 125 ] && grep -q 'No space left on device' <<<"$out" ||
		{ _sbx_fail "$what: exit $rc without a clear ENOSPC error: $out"; return 1; }
	rm -rf "$TINY/fill" # room again: nothing of the failed attempt may be left
	expect_nothing_left "$id" "$what" || return 1
}

test_enospc_each_write() {
	local b=$TEST_TMP/b k id enospc_ok=0 enospc_failed=0 root
	[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
	rel_bundle "$b" sleep 1000 || return 1
	tiny_fs || skip "cannot mount a tmpfs here"
	root=$TINY/root
	as_user mkdir -m 0700 "$root"
	tsbx() { as_user env SBX_REL_MARK="$MARK" "$SBXRUN" --root "$root" "$@"; }
	# warm the seccomp cache (its write failing is not the point here)
	tsbx run --bundle "$b" "$PFX-warm" true >/dev/null 2>&1
	cfg "$b" '.process.args = ["true"]'
	tsbx run --bundle "$b" "$PFX-warm2" || { umount "$TINY"; return 1; }
	cfg "$b" '.process.args = ["sleep", "1000"]'
	SBX_ROOT=$root # leftovers() looks here
	for k in 0 1 2 3 4 5 6 7 8; do
		fill_inodes "$k"
		id=$PFX-i$k
		enospc_try "create with $k free inodes" "$id" tsbx create --bundle "$b" "$id" || break
		if [ -e "$root/$id/state.json" ]; then
			# created on a nearly full disk: start and delete need no space
			fill_inodes 0
			expect_rc 0 tsbx start "$id" || break
			expect_rc 0 tsbx delete --force "$id" || break
			expect_nothing_left "$id" "delete on a full disk" || break
		fi
	done
	for k in 0 1 2 3 4 5 6 7 8 9 10; do
		fill_blocks "$k"
		id=$PFX-b$k
		enospc_try "create with $k free blocks" "$id" tsbx create --bundle "$b" "$id" || break
		[ -e "$root/$id" ] && { fill_blocks 0; expect_rc 0 tsbx delete --force "$id" || break; }
		fill_blocks "$k"
		cfg "$b" '.process.args = ["true"]'
		enospc_try "run with $k free blocks" "$id-r" tsbx run --bundle "$b" "$id-r" || break
		cfg "$b" '.process.args = ["sleep", "1000"]'
	done
	rm -rf "$TINY/fill"
	report "ENOSPC sweep (0-8 free inodes, 0-10 free blocks): $enospc_failed attempts failed cleanly" \
		"with ENOSPC, $enospc_ok succeeded; nothing left behind"
	umount "$TINY"
	[ "$enospc_failed" -ge 5 ] || _sbx_fail "the sweep hit ENOSPC only $enospc_failed times"
	[ "$enospc_ok" -ge 2 ] || _sbx_fail "the sweep never left enough room to succeed"
}

# --- the rootful user namespace pool ---------------------------------------

# A corrupt record keeps its host ids: a container whose state.json cannot
# be read may still run with its pool block, so the next container must get
# other ids (sharing them would let each reach the other's processes and
# files).  delete --force then frees the block.
test_corrupt_record_keeps_its_ids() {
	local b=$TEST_TMP/b a=$PFX-ida c=$PFX-idb pa pc ma mc
	[ "$SBX_TEST_MODE" = root ] || skip "the rootful user namespace pool"
	rel_bundle "$b" sleep 1000 || return 1
	[ "$(jq -r '.annotations["run.sbx.userns"] // empty' "$b/config.json")" = auto ] ||
		skip "root's spec has no pool user namespace here"
	rsbx create --bundle "$b" "$a" && rsbx start "$a" || return 1
	pa=$(rsbx state "$a" | jq -r .pid)
	ma=$(xargs <"/proc/$pa/uid_map")
	corrupt "$SBX_ROOT/$a/state.json" garbage
	rsbx create --bundle "$b" "$c" && rsbx start "$c" || return 1
	pc=$(rsbx state "$c" | jq -r .pid)
	mc=$(xargs <"/proc/$pc/uid_map")
	report "pool ids: $a (corrupt record) '$ma', $c '$mc'"
	[ "$ma" != "$mc" ] || { _sbx_fail "two live containers share host ids: $ma"; return 1; }
	kill -0 "$pa" || { _sbx_fail "the container with the corrupt record died"; return 1; }
	expect_rc 0 rsbx delete --force "$a" || return 1
	expect_rc 0 rsbx delete --force "$c" || return 1
	expect_nothing_left "$a" "corrupt record" && expect_nothing_left "$c" "second container"
}
