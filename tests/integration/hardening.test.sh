# shellcheck shell=bash
# Hardening layers as the container sees them: capability sets, no_new_privs,
# seccomp (default profile, errnoRet, KILL -> SIGSYS), fail-closed config
# errors (exit 125 with the exact message) and Landlock.
# Runs in both modes (root, rootless); see tests/integration/lib.sh.

run_h() {
	local b=$1
	shift
	sbx run --bundle "$b" "$@" "hard-$RANDOM"
}

# status_lines BUNDLE: all of /proc/self/status inside the container.
status_lines() {
	local b=$1
	cfg "$b" '.process.args = ["cat", "/proc/self/status"]' || return 1
	run_h "$b"
}

test_capability_sets() {
	local b=$TEST_TMP/b out
	make_bundle "$b" || return 1
	# CAP_CHOWN(0) CAP_KILL(5) CAP_NET_BIND_SERVICE(10) = 0x421 in every set.
	cfg "$b" '.process.capabilities = {
		"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"inheritable": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"ambient": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]}' || return 1
	out=$(status_lines "$b") || { echo "run failed: $out" >&2; return 1; }
	local f
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		expect_match "^$f:[[:space:]]+0000000000000421\$" "$out" "$f" || return 1
	done
}

test_capability_sets_empty() {
	local b=$TEST_TMP/b out
	make_bundle "$b" || return 1
	cfg "$b" '.process.capabilities = {"bounding": [], "effective": [], "permitted": [],
		"inheritable": [], "ambient": []}' || return 1
	out=$(status_lines "$b") || return 1
	local f
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		expect_match "^$f:[[:space:]]+0000000000000000\$" "$out" "$f" || return 1
	done
}

test_nnp_and_seccomp_mode() {
	local b=$TEST_TMP/b out
	make_bundle "$b" || return 1
	out=$(status_lines "$b") || return 1
	expect_match '^NoNewPrivs:[[:space:]]+1$' "$out" "NoNewPrivs" || return 1
	expect_match '^Seccomp:[[:space:]]+2$' "$out" "Seccomp mode"
}

test_default_profile_blocks() {
	local b=$TEST_TMP/b out
	make_bundle "$b" syscall_probe getpid mkdir fork socket-unix personality \
		mount unshare setns clone-newuser keyctl add_key ptrace bpf perf_event_open \
		userfaultfd personality-bad socket-alg kcmp clone3 || return 1
	add_helper "$b" syscall_probe || return 1
	out=$(run_h "$b") || { echo "run failed: $out" >&2; return 1; }
	local p
	for p in getpid mkdir fork socket-unix personality; do
		expect_match "^$p: ok\$" "$out" "$p" || return 1
	done
	for p in mount unshare setns clone-newuser keyctl add_key ptrace bpf perf_event_open \
		userfaultfd personality-bad socket-alg kcmp; do
		expect_match "^$p: errno=1 \\(EPERM\\)\$" "$out" "$p" || return 1
	done
	expect_match '^clone3: errno=38 \(ENOSYS\)$' "$out" "clone3"
}

test_seccomp_errno_ret() {
	local b=$TEST_TMP/b out
	make_bundle "$b" syscall_probe mkdir getpid || return 1
	add_helper "$b" syscall_probe || return 1
	cfg "$b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}' || return 1
	out=$(run_h "$b") || return 1
	expect_match '^mkdir: errno=30 \(EROFS\)$' "$out" "mkdir" || return 1
	expect_match '^getpid: ok$' "$out" "getpid"
}

# `exec` gets the container's filter without parsing the profile again
# (sbx_config_parse_deferred): the first exec compiles it from the saved
# config's text, the next ones find it in the cache under that text.  Each
# must enforce the profile, an argument rule included; a profile with
# "flags" takes the parsed path, and must too.  A saved profile that the
# text key would wrongly match (edited after create: a cache entry for the
# old text must not serve the new one) is compiled afresh.
test_exec_gets_container_seccomp() {
	local b=$TEST_TMP/b id="sx-$RANDOM" out i
	make_bundle "$b" sleep 1000 || return 1
	add_helper "$b" syscall_probe || return 1
	cfg "$b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30},
		  {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
		   "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]}]}' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	for i in 1 2 3; do
		out=$(sbx exec "$id" syscall_probe mkdir getpid personality personality-bad) || { sbx delete -f "$id"; return 1; }
		expect_match '^mkdir: errno=30 \(EROFS\)$' "$out" "exec $i: mkdir" &&
			expect_match '^getpid: ok$' "$out" "exec $i: getpid" &&
			expect_match '^personality: ok$' "$out" "exec $i: personality" &&
			expect_match '^personality-bad: errno=22 \(EINVAL\)$' "$out" "exec $i: personality-bad" ||
			{ sbx delete -f "$id"; return 1; }
	done
	# The saved profile, edited behind sbxrun's back: mkdir gets 13 now.
	sed -i 's/"errnoRet":30/"errnoRet":13/; s/"errnoRet": 30/"errnoRet": 13/' "$SBX_ROOT/$id/config.json"
	out=$(sbx exec "$id" syscall_probe mkdir) || { sbx delete -f "$id"; return 1; }
	expect_match '^mkdir: errno=13 \(EACCES\)$' "$out" "exec after the profile changed" ||
		{ sbx delete -f "$id"; return 1; }
	sbx delete -f "$id" >/dev/null
	cfg "$b" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	out=$(sbx exec "$id" syscall_probe mkdir) || { sbx delete -f "$id"; return 1; }
	sbx delete -f "$id" >/dev/null
	expect_match '^mkdir: errno=30 \(EROFS\)$' "$out" "exec, profile with flags"
}

# Argument conditions as a real profile uses them: personality(0xffffffff)
# (a query) is allowed, anything else gets errnoRet.
test_seccomp_arg_rule() {
	local b=$TEST_TMP/b out
	make_bundle "$b" syscall_probe personality personality-bad || return 1
	add_helper "$b" syscall_probe || return 1
	cfg "$b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
		  "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]}]}' || return 1
	out=$(run_h "$b") || return 1
	expect_match '^personality: ok$' "$out" "personality" || return 1
	expect_match '^personality-bad: errno=22 \(EINVAL\)$' "$out" "personality-bad"
}

test_seccomp_kill_sigsys() {
	local b=$TEST_TMP/b out err rc=0
	make_bundle "$b" syscall_probe getpid kcmp || return 1
	add_helper "$b" syscall_probe || return 1
	cfg "$b" '.linux.seccomp.syscalls += [{"names": ["kcmp"], "action": "SCMP_ACT_KILL_PROCESS"}]' || return 1
	out=$(run_h "$b" 2>"$TEST_TMP/err") || rc=$?
	err=$(cat "$TEST_TMP/err")
	expect_eq 159 "$rc" "exit status (128+SIGSYS)" || return 1
	expect_match '^getpid: ok$' "$out" "probe output before the kill" || return 1
	expect_nomatch '^kcmp:' "$out" "kcmp must not return" || return 1
	expect_match 'SIGSYS|signal 31' "$err" "sbxrun says the container died of SIGSYS"
}

# The exact error, exit 125, and no container started.
expect_config_error() {
	expect_run_error "$@"
}

test_reject_unknown_syscall() {
	local b=$TEST_TMP/b n
	make_bundle "$b" true || return 1
	n=$(jq '.linux.seccomp.syscalls | length' "$b/config.json") || return 1
	cfg "$b" '.linux.seccomp.syscalls += [{"names": ["getpid", "foo"], "action": "SCMP_ACT_ERRNO"}]' || return 1
	expect_config_error "$b" \
		"^sbxrun: config\\.json: linux\\.seccomp\\.syscalls\\[$n\\]\\.names\\[1\\]: unknown syscall \"foo\"\$"
}

test_reject_unknown_action() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" '.linux.seccomp.syscalls += [{"names": ["getpid"], "action": "SCMP_ACT_BOGUS"}]' || return 1
	expect_config_error "$b" '^sbxrun: config\.json: linux\.seccomp\.syscalls\[[0-9]+\]\.action: .*SCMP_ACT_BOGUS'
}

test_reject_unknown_arch() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" '.linux.seccomp.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]' || return 1
	expect_config_error "$b" \
		'^sbxrun: config\.json: linux\.seccomp\.architectures\[1\]: unknown architecture "SCMP_ARCH_VAX"$'
}

# Unknown-but-well-formed names are ignored with a warning and the ambient
# rule skips with a warning (both in conform.test.sh); a typo stays fatal.
test_reject_unknown_capability() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" '.process.capabilities.bounding = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAWW"]' || return 1
	expect_config_error "$b" \
		'^sbxrun: config\.json: process\.capabilities\.bounding\[2\]: unknown capability "CAP_NET_RAWW" \(did you mean CAP_NET_RAW\?\)$'
}

landlock_bundle() {
	local b=$1
	local script='echo a > /tmp/f && echo tmp-write-ok
		echo b > /f 2>/dev/null && echo root-write-ok || echo root-write-denied
		cat /etc/passwd >/dev/null && echo read-ok'
	make_bundle "$b" || return 1
	# (set via jq --arg: make_bundle passes its CMD through `jq --args`,
	# which would eat the "-c" as its own option)
	local new
	new=$(jq --arg s "$script" '.process.args = ["sh", "-c", $s]' "$b/config.json") || return 1
	printf '%s\n' "$new" >"$b/config.json"
	# A writable root, so only Landlock can stop the write to /f.
	cfg "$b" '.root.readonly = false' || return 1
}

test_landlock_denies_outside_rw() {
	local b=$TEST_TMP/b out
	[ -e /sys/kernel/security/lsm ] && ! grep -qw landlock /sys/kernel/security/lsm &&
		skip "kernel without Landlock"
	landlock_bundle "$b" || return 1
	# Control: without Landlock the write to / succeeds.
	out=$(run_h "$b" 2>&1) || { echo "control run failed: $out" >&2; return 1; }
	expect_match '^root-write-ok$' "$out" "control run" || return 1
	rm -f "$b/rootfs/f"
	cfg "$b" '.annotations["run.sbx.landlock.ro"] = "/" |
		.annotations["run.sbx.landlock.rw"] = "/tmp:/dev/null"' || return 1
	out=$(run_h "$b" 2>&1) || { echo "landlock run failed: $out" >&2; return 1; }
	expect_match '^tmp-write-ok$' "$out" "write in rw" || return 1
	expect_match '^root-write-denied$' "$out" "write outside rw" || return 1
	expect_match '^read-ok$' "$out" "read in ro" || return 1
	[ ! -e "$b/rootfs/f" ] || { _sbx_fail "/f was created despite Landlock"; return 1; }
}

test_landlock_requires_nnp() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" '.process.noNewPrivileges = false | .annotations["run.sbx.landlock.rw"] = "/tmp"' || return 1
	expect_config_error "$b" 'landlock requires process\.noNewPrivileges: true'
}

test_landlock_bad_path() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" '.annotations["run.sbx.landlock.rw"] = "tmp"' || return 1
	expect_config_error "$b" \
		'^sbxrun: config\.json: annotations\.run\.sbx\.landlock\.rw: "tmp" must be an absolute path$'
}

# issue 9 item 1: a profile written before faccessat2, close_range and
# clone3 existed (ERRNO default, noNewPrivileges false).  sbxrun resolves
# the executable and prepares the fds before the filter goes in, and calls
# newer than anything the profile names get ENOSYS (libc falls back), as
# with runc: a PATH lookup, an absolute path and --preserve-fds all run,
# for run and exec.
old_profile_bundle() {
	local b=$1 new
	make_bundle "$b" || return 1
	new=$(jq '.process.noNewPrivileges = false
		| .linux.seccomp.syscalls |= map(.names |= map(select(test("^(clone3|close_range|openat2|pidfd_getfd|faccessat2|process_madvise|epoll_pwait2|mount_setattr|quotactl_fd|landlock_.*|memfd_secret|process_mrelease|futex_.+|set_mempolicy_home_node|cachestat|fchmodat2|map_shadow_stack|statmount|listmount|lsm_.*|mseal|.*xattrat|uretprobe|open_tree_attr|file_[gs]etattr)$") | not)) | select(.names | length > 0))' "$b/config.json") || return 1
	printf '%s\n' "$new" >"$b/config.json"
	[ "$(jq '[.linux.seccomp.syscalls[].names[] | select(. == "faccessat2" or . == "close_range" or . == "clone3")] | length' "$b/config.json")" = 0 ] ||
		{ _sbx_fail "the profile still names a new syscall"; return 1; }
	expect_eq SCMP_ACT_ERRNO "$(jq -r .linux.seccomp.defaultAction "$b/config.json")" "defaultAction"
}

test_seccomp_profile_older_than_runtime() {
	local b=$TEST_TMP/b id="old-$RANDOM" out
	old_profile_bundle "$b" || return 1
	add_helper "$b" syscall_probe || return 1
	echo preserved-data >"$TEST_TMP/data" && chown_user "$TEST_TMP/data"
	cfg "$b" '.process.args = ["sh", "-c", "echo path-ok"]' || return 1
	expect_eq path-ok "$(run_h "$b")" "PATH lookup" || return 1
	cfg "$b" '.process.args = ["/bin/echo", "abs-ok"]' || return 1
	expect_eq abs-ok "$(run_h "$b")" "absolute path" || return 1
	cfg "$b" '.process.args = ["cat", "/proc/self/fd/3"]' || return 1
	expect_eq preserved-data "$(run_h "$b" --preserve-fds 1 3<"$TEST_TMP/data")" "preserved fd" || return 1
	# Inside, the new calls are ENOSYS (libc falls back), not EPERM.
	cfg "$b" '.process.args = ["syscall_probe", "faccessat2", "close_range", "clone3"]' || return 1
	out=$(run_h "$b") || return 1
	expect_match '^faccessat2: errno=38 \(ENOSYS\)$' "$out" || return 1
	expect_match '^close_range: errno=38 \(ENOSYS\)$' "$out" || return 1
	expect_match '^clone3: errno=38 \(ENOSYS\)$' "$out" || return 1
	# exec goes through the same steps.
	cfg "$b" '.process.args = ["sleep", "100"]' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	expect_eq exec-ok "$(sbx exec "$id" sh -c 'echo exec-ok')" "exec, PATH lookup" || return 1
	expect_eq preserved-data "$(sbx exec --preserve-fds 1 "$id" cat /proc/self/fd/3 3<"$TEST_TMP/data")" "exec, preserved fd" || return 1
	sbx delete --force "$id"
}
