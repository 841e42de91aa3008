# shellcheck shell=bash
# The container's process, `exec` and the terminal behave as runc and crun
# do (issue 9): HOME, a missing cwd, exec's cwd before the uid switch,
# exec --cap/--additional-gids/--ignore-paused, exec into a created
# container, the pty (no ONLCR, devpts group), --console-socket only with a
# terminal, startContainer hook env, --preserve-fds checks.
# Runs in both modes (root, rootless); see tests/integration/lib.sh.

test_home_from_passwd() {
	local b=$TEST_TMP/b id="home-$RANDOM"
	make_bundle "$b" sh -c 'echo "$HOME"' || return 1
	map_subids "$b" || return 1
	expect_eq /root "$(sbx run --bundle "$b" "$id")" "uid 0: HOME from /etc/passwd" || return 1
	cfg "$b" '.process.user.uid = 1234' || return 1
	expect_eq / "$(sbx run --bundle "$b" "$id")" "uid without a passwd entry: HOME=/" || return 1
	cfg "$b" '.process.user.uid = 0 | .process.env += ["HOME=/srv"]' || return 1
	expect_eq /srv "$(sbx run --bundle "$b" "$id")" "HOME from process.env wins" || return 1
	cfg "$b" '.process.env -= ["HOME=/srv"] | .process.args = ["sleep", "100"]' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	expect_eq /root "$(sbx exec "$id" sh -c 'echo $HOME')" "exec: HOME" || return 1
	expect_eq /x "$(sbx exec --env HOME=/x "$id" sh -c 'echo $HOME')" "exec --env HOME" || return 1
	sbx delete --force "$id"
}

test_missing_cwd_is_created() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'pwd; stat -c "%a %u" .' || return 1
	cfg "$b" '.process.cwd = "/srv/new/dir"' || return 1
	out=$(sbx run --bundle "$b" "cwd-$RANDOM") || return 1
	# The rootfs stays read-only; the directory was made before that.
	expect_eq "/srv/new/dir
755 0" "$out" || return 1
	[ -d "$b/rootfs/srv/new/dir" ] || { _sbx_fail "cwd not in the rootfs"; return 1; }
}

# runc enters cwd before the uid switch (and as the user only when the
# runtime is refused): exec --user 0 into a container whose cwd is a 0700
# directory of uid 1000 works although uid 0 has no DAC capability.
test_exec_cwd_before_privilege_drop() {
	local b=$TEST_TMP/b id="cwdp-$RANDOM" out
	make_bundle "$b" sleep 100 || return 1
	map_subids "$b" || return 1
	mkdir -p "$b/rootfs/home/u" && chmod 0700 "$b/rootfs/home/u"
	if [ "$SBX_TEST_MODE" = rootless ]; then
		local us gs
		read -r us _ < <(sbx_subid_range "$SBX_TEST_USER" /etc/subuid)
		read -r gs _ < <(sbx_subid_range "$SBX_TEST_USER" /etc/subgid)
		chown "$((us + 999)):$((gs + 999))" "$b/rootfs/home/u"
	else
		chown 1000:1000 "$b/rootfs/home/u"
	fi
	cfg "$b" '.process.cwd = "/home/u" | .process.user = {uid: 1000, gid: 1000}
		  | .process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	out=$(sbx exec --user 0 "$id" sh -c 'id -u; pwd') || return 1
	expect_eq "0
/home/u" "$out" "exec --user 0 into a 0700 cwd of uid 1000" || return 1
	sbx delete --force "$id"
}

# exec --cap: bounding, effective and permitted only (runc), never
# inheritable or ambient.
test_exec_cap_sets() {
	local b=$TEST_TMP/b id="cap-$RANDOM" out f
	make_bundle "$b" sleep 100 || return 1
	cfg "$b" '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"], inheritable: [], ambient: []}' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	# CAP_KILL = bit 5 (0x20), CAP_NET_RAW = bit 13 (0x2000)
	out=$(sbx exec --cap CAP_NET_RAW "$id" grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status) || return 1
	for f in CapPrm CapEff CapBnd; do
		expect_match "^$f:[[:space:]]+0000000000002020\$" "$out" "$f" || return 1
	done
	for f in CapInh CapAmb; do
		expect_match "^$f:[[:space:]]+0000000000000000\$" "$out" "$f" || return 1
	done
	sbx delete --force "$id"
}

test_exec_additional_gids() {
	local b=$TEST_TMP/b id="gids-$RANDOM"
	make_bundle "$b" sleep 100 || return 1
	map_subids "$b" || return 1
	cfg "$b" '.process.user.additionalGids = [30]' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	# runc: --additional-gids adds to the process's additionalGids.
	expect_eq "10 20 30 1000" "$(sbx exec --user 1000:1000 --additional-gids 10 -g 20 "$id" id -G | tr ' ' '\n' | sort -n | xargs)" \
		"groups" || return 1
	expect_rc 125 sbx exec -g notanumber "$id" true || return 1
	sbx delete --force "$id"
}

test_exec_paused_needs_ignore_paused() {
	local b=$TEST_TMP/b id="pz-$RANDOM" err rc=0 i
	make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	if ! sbx pause "$id" 2>/dev/null; then
		sbx delete --force "$id"
		skip "pause needs a cgroup (none in this mode on this host)"
	fi
	err=$(sbx exec "$id" true 2>&1) || rc=$?
	expect_eq 125 "$rc" "exec into a paused container" || return 1
	expect_match 'paused \(use --ignore-paused to override\)' "$err" || return 1
	# With --ignore-paused it is accepted and runs once the container thaws.
	sbx_bg "$TEST_TMP/out" "$TEST_TMP/err" exec --ignore-paused "$id" sh -c 'echo ran'
	sleep 0.5
	expect_rc 0 sbx resume "$id" || return 1
	wait "$SBX_PID" || { cat "$TEST_TMP/err"; _sbx_fail "exec --ignore-paused failed"; return 1; }
	expect_eq ran "$(cat "$TEST_TMP/out")" || return 1
	sbx delete --force "$id"
}

test_exec_into_created_container() {
	local b=$TEST_TMP/b id="xc-$RANDOM"
	# A created init is non-dumpable (docs/security.md, class 6); a
	# rootless caller gets its namespaces through exec.sock (handover.h).
	make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx create --bundle "$b" "$id" || return 1
	expect_eq ok "$(sbx exec "$id" sh -c 'echo ok')" "exec into created" || return 1
	expect_eq created "$(sbx state "$id" | jq -r .status)" "still created" || return 1
	expect_rc 0 sbx start "$id" || return 1
	expect_eq running "$(sbx state "$id" | jq -r .status)" || return 1
	sbx delete --force "$id"
}

# The pty hands the container's bytes over unchanged (no NL -> CR NL) and
# belongs to the devpts "tty" group (gid=5 in the default rootful spec).
test_pty_raw_newlines_and_tty_group() {
	local b=$TEST_TMP/b sock=$TEST_TMP/c.sock id="pty-$RANDOM" out i want_gid
	make_bundle "$b" sh -c 'printf "one\ntwo\n"; stat -c "gid=%g" "$(readlink /proc/self/fd/0)"; sleep 0.3' || return 1
	cfg "$b" '.process.terminal = true' || return 1
	as_user "$HELPERS/console_recv" "$sock" '' >"$TEST_TMP/recv.out" 2>&1 &
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	expect_rc 0 sbx run --detach --console-socket "$sock" --bundle "$b" "$id" || return 1
	wait
	out=$(cat "$TEST_TMP/recv.out")
	expect_match '^one$' "$out" || return 1
	expect_nomatch $'\r' "$out" "carriage returns from the pty" || return 1
	want_gid=5
	[ "$SBX_TEST_MODE" = rootless ] && want_gid=0 # single-id map: no gid=5 option
	expect_match "^gid=$want_gid\$" "$out" "pty group" || return 1
	sbx delete --force "$id" 2>/dev/null
	true
}

test_console_socket_needs_terminal() {
	local b=$TEST_TMP/b id="cs-$RANDOM" err rc
	make_bundle "$b" sleep 100 || return 1
	for cmd in "run --detach" create; do
		rc=0
		# shellcheck disable=SC2086
		err=$(sbx $cmd --console-socket "$TEST_TMP/none.sock" --bundle "$b" "$id" 2>&1) || rc=$?
		expect_eq 125 "$rc" "$cmd --console-socket without a terminal" || return 1
		expect_match 'process\.terminal is false' "$err" || return 1
	done
	expect_eq "" "$(sbx list -q)" "nothing recorded" || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	rc=0
	err=$(sbx exec --console-socket "$TEST_TMP/none.sock" "$id" true 2>&1) || rc=$?
	expect_eq 125 "$rc" "exec --console-socket without --tty" || return 1
	expect_match 'needs a terminal' "$err" || return 1
	sbx delete --force "$id"
}

# runc: a startContainer hook without env gets the process's environment.
test_start_container_hook_env() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	printf '#!/bin/sh -ue\ntest $ONE = two\ntest $FOO = bar\necho "home=$HOME"\n' >"$b/rootfs/check-env.sh"
	chmod 0755 "$b/rootfs/check-env.sh" && chown_user "$b/rootfs/check-env.sh"
	cfg "$b" '.process.env = ["ONE=two", "FOO=bar", "PATH=/bin:/usr/bin"]
		  | .hooks = {startContainer: [{path: "/check-env.sh"}]}' || return 1
	expect_rc 0 sbx run --bundle "$b" "hk-$RANDOM"
}

# startContainer hooks run under the container's seccomp filter (runc).
test_start_container_hook_under_seccomp() {
	local b=$TEST_TMP/b err rc=0
	make_bundle "$b" true || return 1
	cfg "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 30}]}
		  | .hooks = {startContainer: [{path: "/bin/sh", args: ["sh", "-c", "mkdir /tmp/x"]}]}' || return 1
	err=$(sbx run --bundle "$b" "hks-$RANDOM" 2>&1) || rc=$?
	expect_eq 125 "$rc" "exit status" || return 1
	expect_match 'startContainer hook\[0\].*Read-only file system' "$err"
}

# --preserve-fds N: every fd of 3..3+N-1 must be the caller's; a gap is
# refused (one of sbxrun's own fds would fill it and reach the container).
test_preserve_fds_gap_refused() {
	local b=$TEST_TMP/b err rc=0
	make_bundle "$b" sh -c 'for f in 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$f ] && echo $f; done; true' || return 1
	err=$(sbx run --preserve-fds 2 --bundle "$b" "pf-$RANDOM" 2>&1 3</dev/null) || rc=$?
	expect_eq 125 "$rc" "exit status" || return 1
	expect_match 'preserve-fds 2: fd 4 is not open' "$err" || return 1
	expect_eq "3 4" "$(sbx run --preserve-fds 2 --bundle "$b" "pf-$RANDOM" 3</dev/null 4</dev/null | xargs)" || return 1
}
