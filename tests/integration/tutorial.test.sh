# shellcheck shell=bash
# docs/tutorial.md is tested: every command of its ```console blocks runs,
# in order, in one bash session as the unprivileged user in an empty
# directory, and its output must equal the lines the page shows.

test_tutorial() {
	[ "$SBX_TEST_MODE" = rootless ] || skip "the tutorial is written for an unprivileged user"
	local md=$SBX_SRCDIR/docs/tutorial.md d=$TEST_TMP/tut n i rc=0
	mkdir -p "$d/bin" "$d/exp" && ln -s "$SBXRUN" "$d/bin/sbxrun" || return 1
	# cmd.N: the command; exp/N: the lines shown under it.
	awk -v dir="$d" '
		/^```console$/ { inblk = 1; next }
		/^```$/ { inblk = 0; next }
		inblk && /^\$ / { n++; print substr($0, 3) > (dir "/cmd." n); close(dir "/cmd." n);
				  printf "" > (dir "/exp/" n); next }
		inblk { print >> (dir "/exp/" n) }
		END { print n > (dir "/count") }' "$md"
	n=$(cat "$d/count")
	[ "$n" -ge 20 ] || { _sbx_fail "only $n commands found in docs/tutorial.md"; return 1; }
	{
		echo 'cd "$1" && mkdir work && cd work || exit 1'
		echo 'export PATH="$1/bin:$PATH"'
		for i in $(seq "$n"); do
			echo "printf '\\n@@@ $i\\n'"
			cat "$d/cmd.$i"
		done
	} >"$d/script.sh"
	chown_user "$d"
	as_user bash "$d/script.sh" "$d" >"$d/out" 2>&1 || rc=$?
	awk -v dir="$d" '/^@@@ [0-9]+$/ { f = dir "/got." $2; printf "" > f; next } f { print >> f }' "$d/out"
	for i in $(seq "$n"); do
		# the marker's leading newline ends the previous command's output
		if ! diff <(sed '$ { /^$/ d }' "$d/got.$i" 2>/dev/null) "$d/exp/$i" >"$d/diff"; then
			_sbx_fail "docs/tutorial.md command $i: $(cat "$d/cmd.$i")"$'\n'"$(cat "$d/diff")"
			return 1
		fi
	done
	sbx_ids=$(as_user "$SBXRUN" list -q 2>/dev/null | grep '^tutorial-' || true)
	expect_eq "" "$sbx_ids" "containers left behind"
}
