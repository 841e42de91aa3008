# shellcheck shell=bash
# Secrets as files (`sbxrun spec --secret NAME=HOSTFILE`, annotation
# run.sbx.secrets): copied at create into a private read-only tmpfs at
# /run/secrets/NAME (0400, the process user's), never bind-mounted, read
# through a safe open (no symlinks, regular files only), and the value never
# appears in state.json, the logs, `state`, `ps` or `list`.

# secret_bundle DIR SPEC-ARGS...: busybox rootfs + `sbxrun spec SPEC-ARGS`.
secret_bundle() {
	local dir=$1
	shift
	mkdir -p "$dir" && cp -a "$SBX_IT_ROOTFS" "$dir/rootfs" && chown_user "$dir" || return 1
	local specargs=(spec --bundle "$dir" "$@")
	[ "$SBX_TEST_MODE" = rootless ] && specargs+=(--rootless)
	sbx "${specargs[@]}"
}

test_secret_file_never_leaked() {
	local b=$TEST_TMP/b value id=sec-$RANDOM out sum
	value="planted-$RANDOM-$RANDOM-value"
	printf '%s' "$value" >"$TEST_TMP/db.txt"
	chmod 0600 "$TEST_TMP/db.txt"
	chown_user "$TEST_TMP/db.txt"
	sum=$(md5sum <"$TEST_TMP/db.txt" | cut -d' ' -f1)
	secret_bundle "$b" --secret "db_password=$TEST_TMP/db.txt" || return 1
	expect_eq "db_password=$TEST_TMP/db.txt" "$(jq -r '.annotations["run.sbx.secrets"]' "$b/config.json")" "annotation" || return 1
	# The workload proves it can read the file without ever printing it.
	cfg "$b" '.process.args = ["sh", "-c", "stat -c \"%a %u %F\" /run/secrets/db_password; md5sum < /run/secrets/db_password | cut -d\" \" -f1; (echo x > /run/secrets/db_password) 2>/dev/null && echo WRITABLE || echo write-refused; grep \" /run/secrets \" /proc/self/mountinfo | grep -q \" ro,\" && echo mount-ro; sleep 30"]' || return 1
	sbx --debug --log "$TEST_TMP/sbx.log" run -d --bundle "$b" "$id" || return 1
	wait_for 10 grep -q write- "$SBX_ROOT/$id/container.log" || { cat "$SBX_ROOT/$id/container.log" >&2; return 1; }
	out=$(jq -r .log "$SBX_ROOT/$id/container.log")
	expect_match '^400 0 regular( empty)? file$' "$out" "mode, owner" || return 1
	expect_match "^$sum\$" "$out" "content checksum" || return 1
	expect_match '^write-refused$' "$out" "writing back" || return 1
	expect_match '^mount-ro$' "$out" "read-only tmpfs" || return 1
	# Grep every place the runtime writes or prints for the value.
	{
		sbx state "$id"
		sbx ps "$id"
		sbx ps --format json "$id"
		sbx list
		sbx list --format json
		sbx check --id "$id" --format json
		cat "$TEST_TMP/sbx.log"
	} >"$TEST_TMP/outputs" 2>&1
	sbx delete -f "$id" 2>>"$TEST_TMP/outputs"
	expect_match "$id" "$(cat "$TEST_TMP/outputs")" "the outputs were collected" || return 1
	if grep -rq -- "$value" "$TEST_TMP/outputs" "$SBX_ROOT" "$b/config.json"; then
		_sbx_fail "the secret value leaked: $(grep -rl -- "$value" "$TEST_TMP/outputs" "$SBX_ROOT" "$b/config.json")"
		return 1
	fi
	# ... while the state dir really was there to grep (checked above with
	# the container running): state.json names the path, not the value.
	return 0
}

# The copy belongs to the process user, not to root: a workload that runs
# as uid 1000 can read its secret (and nobody else in the container can).
test_secret_owned_by_process_user() {
	local b=$TEST_TMP/b out
	# A single-id rootless map has no uid 1000 to give the file to.
	[ "$SBX_TEST_MODE" = root ] || skip "the rootless single-id map has no uid 1000"
	printf 'tok\n' >"$TEST_TMP/tok"
	chown_user "$TEST_TMP/tok"
	secret_bundle "$b" --secret "api_token=$TEST_TMP/tok" || return 1
	cfg "$b" '.process.user = {"uid": 1000, "gid": 1000}
		| .process.args = ["sh", "-c", "stat -c \"%a %u %g\" /run/secrets/api_token; cat /run/secrets/api_token"]' || return 1
	out=$(sbx run --bundle "$b" "sec3-$RANDOM" 2>&1) || { echo "$out" >&2; return 1; }
	expect_match '^400 1000 1000$' "$out" "mode and owner" || return 1
	expect_match '^tok$' "$out" "the process user reads it"
}

test_secret_state_json_has_path_not_value() {
	local b=$TEST_TMP/b value id=sec2-$RANDOM
	value="planted2-$RANDOM-value"
	printf '%s\n' "$value" >"$TEST_TMP/tok"
	chown_user "$TEST_TMP/tok"
	secret_bundle "$b" --secret "api_token=$TEST_TMP/tok" || return 1
	cfg "$b" '.process.args = ["sleep", "30"]' || return 1
	sbx run -d --bundle "$b" "$id" || return 1
	expect_match "api_token=$TEST_TMP/tok" "$(cat "$SBX_ROOT/$id/state.json")" "state.json annotation" || return 1
	if grep -rq -- "$value" "$SBX_ROOT"; then
		sbx delete -f "$id"
		_sbx_fail "secret value in the state dir"
		return 1
	fi
	sbx delete -f "$id"
}

test_secret_refuses_symlink_and_non_regular() {
	local b=$TEST_TMP/b
	printf 'x\n' >"$TEST_TMP/real"
	ln -s "$TEST_TMP/real" "$TEST_TMP/link"
	mkdir -p "$TEST_TMP/dir" "$TEST_TMP/sub"
	ln -s "$TEST_TMP/sub" "$TEST_TMP/sublink"
	printf 'y\n' >"$TEST_TMP/sub/f"
	mkfifo "$TEST_TMP/fifo"
	chown_user "$TEST_TMP/real" "$TEST_TMP/dir" "$TEST_TMP/fifo" "$TEST_TMP/sub"
	secret_bundle "$b" || return 1
	cfg "$b" '.process.args = ["true"]' || return 1
	cfg "$b" ".annotations[\"run.sbx.secrets\"] = \"s=$TEST_TMP/link\"" || return 1
	expect_run_error "$b" 'secret "s": open .*/link: the path contains a symbolic link' || return 1
	cfg "$b" ".annotations[\"run.sbx.secrets\"] = \"s=$TEST_TMP/sublink/f\"" || return 1
	expect_run_error "$b" 'secret "s": open .*/sublink/f: the path contains a symbolic link' || return 1
	cfg "$b" ".annotations[\"run.sbx.secrets\"] = \"s=$TEST_TMP/dir\"" || return 1
	expect_run_error "$b" 'secret "s": open .*/dir: not a regular file' || return 1
	cfg "$b" ".annotations[\"run.sbx.secrets\"] = \"s=$TEST_TMP/fifo\"" || return 1
	expect_run_error "$b" 'secret "s": open .*/fifo: not a regular file' || return 1
	cfg "$b" ".annotations[\"run.sbx.secrets\"] = \"../x=$TEST_TMP/real\"" || return 1
	expect_run_error "$b" 'invalid secret name "\.\./x"' || return 1
	cfg "$b" ".annotations[\"run.sbx.secrets\"] = \"s=relative\"" || return 1
	expect_run_error "$b" 'secret "s": the host file must be an absolute path'
}

test_secret_spec_flag_usage() {
	local rc=0
	sbx spec --bundle "$TEST_TMP" --secret novalue >/dev/null 2>&1 || rc=$?
	expect_eq 125 "$rc" "--secret without =" || return 1
	(cd "$TEST_TMP" && printf 'v' >s.txt && chown_user s.txt && mkdir -p b2 && chown_user b2 &&
		as_user "$SBXRUN" spec --bundle b2 --secret a=s.txt --secret b=/x/y) || return 1
	expect_eq "a=$TEST_TMP/s.txt,b=/x/y" "$(jq -r '.annotations["run.sbx.secrets"]' "$TEST_TMP/b2/config.json")" "relative host file made absolute"
}
