# shellcheck shell=bash
# Paths the caller gives or sbxrun picks on the caller's behalf, attacked by
# another local user (issue 8):
#   class 3: a state root (--root, the /tmp/sbxrun-<uid> fallback) that is
#            not the caller's own private directory is refused, and the
#            poststop hook of a record planted there never runs;
#   class 7: --log, --pid-file and --console-socket never follow a symlink
#            planted as their final component in a sticky directory.
# Runs in both modes (root, rootless); see tests/integration/lib.sh.

# The uid of "another user" for this mode: root's attacker is sbxtest (or
# nobody), the rootless user's attacker is root.
attacker_uid() {
	if [ "$SBX_TEST_MODE" = rootless ]; then
		echo 0
	else
		id -u sbxtest 2>/dev/null || echo 65534
	fi
}

# plant_record ROOT ID MARKER: a container record as another user would
# plant it: a stopped container whose saved config has a poststop hook that
# creates MARKER.
plant_record() {
	local root=$1 id=$2 marker=$3
	mkdir -p "$root/$id" || return 1
	: >"$root/$id/lock"
	printf '{"ociVersion":"1.2.0","id":"%s","pid":0,"startTime":0,"bundle":"/","rootfs":"/","created":"2024-01-01T00:00:00.000000000Z","owner":0}\n' \
		"$id" >"$root/$id/state.json"
	printf '{"ociVersion":"1.2.0","root":{"path":"/"},"hooks":{"poststop":[{"path":"/bin/sh","args":["sh","-c","touch %s"]}]}}\n' \
		"$marker" >"$root/$id/config.json"
	# Everything usable by the victim, as an attacker would leave it.
	chmod -R a+rwX "$root/$id"
}

# Class 3, --root: another user pre-creates the state root world-writable
# and plants a record with a poststop hook; `delete -f` must refuse (naming
# path, owner and mode) and never run the hook.  Fails on the old binary:
# it ran the hook as the victim.
test_squatted_state_root_refused() {
	local squat=$TEST_TMP/squat marker=$TEST_TMP/hook-ran out rc=0 auid
	auid=$(attacker_uid)
	mkdir -m 0777 "$squat" || return 1
	chmod 0777 "$squat"
	plant_record "$squat" evil "$marker" || return 1
	chmod 0777 "$TEST_TMP" # the hook (if it ran as the victim) can write the marker
	if [ "$(id -u)" = 0 ]; then
		chown -R "$auid" "$squat" || return 1
	fi
	out=$(as_user "$SBXRUN" --root "$squat" delete -f evil 2>&1) || rc=$?
	expect_eq 125 "$rc" "delete -f exit status" || return 1
	expect_match "refusing to use state root $squat: it is owned by uid [0-9]+ with mode 0777" "$out" "delete error" || return 1
	[ -e "$marker" ] && { _sbx_fail "the planted poststop hook ran as the victim"; return 1; }
	# The other commands refuse the root as well.
	rc=0
	out=$(as_user "$SBXRUN" --root "$squat" state evil 2>&1) || rc=$?
	expect_eq 125 "$rc" "state exit status" || return 1
	expect_match "refusing to use state root" "$out" "state error" || return 1
	rc=0
	out=$(as_user "$SBXRUN" --root "$squat" list 2>&1) || rc=$?
	expect_eq 125 "$rc" "list exit status" || return 1
	# Mode fine but somebody else's (root only can stage that).
	if [ "$(id -u)" = 0 ]; then
		chmod 0755 "$squat"
		rc=0
		out=$(as_user "$SBXRUN" --root "$squat" delete -f evil 2>&1) || rc=$?
		expect_eq 125 "$rc" "delete -f exit status (foreign owner)" || return 1
		expect_match "owned by uid $auid with mode 0755" "$out" "delete error (foreign owner)" || return 1
		[ -e "$marker" ] && { _sbx_fail "the planted poststop hook ran (foreign owner)"; return 1; }
	fi
	return 0
}

# Class 3, the fallback: XDG_RUNTIME_DIR unset (su, cron, ssh without
# pam_systemd) makes the rootless default /tmp/sbxrun-<uid>.  Staged in a
# private /tmp (a tmpfs in a private mount namespace), so the host's /tmp
# is never touched.  Fails on the old binary: the hook ran.
test_squatted_fallback_root_refused() {
	[ "$SBX_TEST_MODE" = rootless ] || skip "the /tmp/sbxrun-<uid> fallback is the unprivileged default (root uses /run/sbxrun)"
	[ "$(id -u)" = 0 ] || skip "staging another user's directory in a private /tmp needs root"
	local uid out
	uid=$(id -u "$SBX_TEST_USER")
	out=$(SBX_UID=$uid SBX_USER=$SBX_TEST_USER unshare -m --propagation private bash -c '
		set -u
		# The tmpfs hides the real /tmp, where the tree under test may
		# live (a CI clone under /tmp): keep a copy of the binary in it.
		exec 9<"$SBXRUN"
		mount -t tmpfs -o mode=1777 sbx-private-tmp /tmp || { echo "mount failed"; exit 0; }
		SBXRUN=/tmp/sbxrun-under-test
		cat <&9 >"$SBXRUN" && chmod 0755 "$SBXRUN" && exec 9<&-
		r=/tmp/sbxrun-$SBX_UID
		mkdir -m 0777 "$r" && chmod 0777 "$r"
		mkdir "$r/evil" && : >"$r/evil/lock"
		printf "{\"ociVersion\":\"1.2.0\",\"id\":\"evil\",\"pid\":0,\"bundle\":\"/\",\"rootfs\":\"/\",\"owner\":0}\n" >"$r/evil/state.json"
		printf "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"/\"},\"hooks\":{\"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch /tmp/hook-ran\"]}]}}\n" >"$r/evil/config.json"
		chmod -R a+rwX "$r/evil"
		setpriv --reuid="$SBX_USER" --regid="$SBX_USER" --init-groups --reset-env \
			env PATH=/usr/bin:/bin HOME=/ "$SBXRUN" delete -f evil 2>&1
		echo "rc=$?"
		[ -e /tmp/hook-ran ] && echo HOOK-RAN
		true')
	expect_match '^rc=125$' "$out" "delete -f status" || return 1
	expect_match "refusing to use state root /tmp/sbxrun-$uid: it is owned by uid 0 with mode 0777" "$out" "delete error" || return 1
	expect_nomatch 'HOOK-RAN' "$out" "planted poststop hook" || return 1
}

# A state root sbxrun creates is 0700 and owned by the caller.
test_new_state_root_is_private() {
	local b=$TEST_TMP/b r=$TEST_TMP/newroot/sub
	make_bundle "$b" true || return 1
	chmod 0777 "$TEST_TMP" 2>/dev/null
	as_user "$SBXRUN" --root "$r" run --bundle "$b" "priv-$RANDOM" || return 1
	expect_eq "700 $(id -u "$SBX_TEST_USER")" "$(stat -c '%a %u' "$r")" "mode and owner of the new root"
}

# as_attacker CMD...: run CMD as attacker_uid (the test shell is root).
as_attacker() {
	local auid
	auid=$(attacker_uid)
	if [ "$auid" = 0 ]; then
		"$@"
	else
		setpriv --reuid="$auid" --regid="$auid" --clear-groups "$@"
	fi
}

# sticky_dir: a /tmp-like directory (mode 1777) owned by the attacker, who
# plants symlinks in it.  Owned by the attacker so that the kernel's
# fs.protected_symlinks (which only covers links in sticky directories of
# another owner) does not hide what sbxrun itself does.
sticky_dir() {
	local d=$TEST_TMP/sticky
	mkdir -p "$d" && chown "$(attacker_uid)" "$d" && chmod 1777 "$d" || return 1
	chmod 0755 "$TEST_TMP"
	echo "$d"
}

# Class 7: the default spec's /tmp has a size limit (else half of RAM).
test_tmp_size_limit() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'grep " /tmp " /proc/mounts; stat -c "mode %a" /tmp' || return 1
	out=$(sbx run --bundle "$b" "tmp-$RANDOM") || return 1
	expect_match '^tmpfs /tmp tmpfs .*size=65536k' "$out" "/tmp mount options" || return 1
	expect_match '^mode 1777$' "$out" "/tmp mode"
}

# Class 7: --log FILE, with FILE a symlink the attacker planted in a sticky
# directory, is refused instead of creating or appending to the target.
# Fails on the old binary: it created the symlink's target as the victim.
test_log_symlink_not_followed() {
	[ "$(id -u)" = 0 ] || skip "staging another user's symlink needs root"
	local d target=$TEST_TMP/victim-created out rc=0
	d=$(sticky_dir) || return 1
	chmod 0777 "$TEST_TMP" # so the victim could create the target if it followed
	as_attacker ln -s "$target" "$d/sbxrun.log" || return 1
	out=$(as_user "$SBXRUN" --debug --log "$d/sbxrun.log" --root "$SBX_ROOT" list 2>&1) || rc=$?
	expect_eq 125 "$rc" "exit status" || return 1
	expect_match "open log file $d/sbxrun.log: it is a symbolic link \\(not followed\\)" "$out" "error" || return 1
	[ -e "$target" ] && { _sbx_fail "--log followed the planted symlink and created $target"; return 1; }
	# An existing file behind the link is not appended to either.
	echo precious >"$target"
	chown_user "$target"
	rc=0
	as_user "$SBXRUN" --debug --log "$d/sbxrun.log" --root "$SBX_ROOT" list >/dev/null 2>&1 || rc=$?
	expect_eq 125 "$rc" "exit status (existing target)" || return 1
	expect_eq precious "$(cat "$target")" "content of the symlink's target"
}

# Class 7: --pid-file in a sticky directory: a symlink planted at the name
# is replaced (atomic rename), never written through.  (The old binary also
# renamed, so this one passed there; its temp name was predictable and not
# O_EXCL, which this version fixes with mkostemp.)
test_pid_file_symlink_not_followed() {
	[ "$(id -u)" = 0 ] || skip "staging another user's symlink needs root"
	local b=$TEST_TMP/b d target=$TEST_TMP/victim-file rc=0
	make_bundle "$b" true || return 1
	d=$(sticky_dir) || return 1
	echo precious >"$target"
	chown_user "$target"
	as_attacker ln -s "$target" "$d/ctr.pid" || return 1
	sbx run --pid-file "$d/ctr.pid" --bundle "$b" "pid-$RANDOM" >/dev/null 2>&1 || rc=$?
	expect_eq precious "$(cat "$target")" "content of the symlink's target" || return 1
	if [ "$rc" = 0 ]; then
		# Replaced the link (root may rename over another user's entry).
		[ -L "$d/ctr.pid" ] && { _sbx_fail "pid file is still the planted symlink"; return 1; }
		expect_match '^[0-9]+$' "$(cat "$d/ctr.pid")" "pid file content" || return 1
	fi
	# No temp file is left behind either way.
	expect_eq "" "$(find "$d" -name 'ctr.pid.*')" "leftover temp files"
}

# Class 7: --console-socket naming a symlink (planted to the attacker's own
# listening socket) is refused: the pty master never reaches the attacker.
# Fails on the old binary: it connected and handed over the terminal.
test_console_socket_symlink_not_followed() {
	[ "$(id -u)" = 0 ] || skip "staging another user's socket needs root"
	[ -x "$HELPERS/console_recv" ] || { echo "no console_recv helper"; return 1; }
	local b=$TEST_TMP/b d out rc=0 rpid i id=cs-$RANDOM
	make_bundle "$b" sh || return 1
	cfg "$b" '.process.terminal = true' || return 1
	d=$(sticky_dir) || return 1
	as_attacker "$HELPERS/console_recv" "$d/attacker.sock" 'echo stolen; exit
' >"$TEST_TMP/recv.out" 2>&1 &
	rpid=$!
	for i in $(seq 50); do [ -S "$d/attacker.sock" ] && break; sleep 0.1; done
	chmod 0777 "$d/attacker.sock"
	as_attacker ln -s "$d/attacker.sock" "$d/console.sock" || return 1
	trap 'sbx delete -f "$id" >/dev/null 2>&1' EXIT # if an old binary created it
	out=$(sbx create --bundle "$b" --console-socket "$d/console.sock" "$id" 2>&1) || rc=$?
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	[ "$rc" = 0 ] && sbx delete -f "$id"
	expect_eq 125 "$rc" "create exit status" || return 1
	expect_match "console socket $d/console.sock: it is a symbolic link \\(not followed\\)" "$out" "create error" || return 1
	expect_nomatch '^isatty' "$(cat "$TEST_TMP/recv.out")" "the attacker received a pty" || return 1
	# Nothing is left behind.
	expect_rc 125 sbx state "$id" 2>/dev/null
}
