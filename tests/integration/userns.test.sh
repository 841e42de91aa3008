# shellcheck shell=bash
# Root in a rootful container is not root on the host (issue 8): `sbxrun
# spec` as root adds a user namespace whose ids come from the pool of the
# dedicated user `sbxrun` (/etc/subuid, /etc/subgid; scripts/setup-userns.sh),
# one 65536-id block per container, never shared; the rootfs and volumes
# are id-mapped so files keep their owners; mounts[].uidMappings work.
# Most tests are root-only (the rootless mode is unchanged and covered by
# the rest of the suite); see tests/integration/lib.sh.

need_root_mode() {
	[ "$SBX_TEST_MODE" = root ] || skip "rootful user namespaces (the rootless mode maps the caller, unchanged)"
}

# The pool: "start count" lines of user sbxrun in FILE (/etc/subuid).
pool_ranges() {
	awk -F: '$1 == "sbxrun" && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { print $2, $3 }' "${1:-/etc/subuid}"
}

# in_pool ID [FILE]: ID lies in one of the pool's ranges.
in_pool() {
	pool_ranges "${2:-/etc/subuid}" | awk -v id="$1" '$1 <= id && id < $1 + $2 { f = 1 } END { exit !f }'
}

host_uid() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }
host_gid() { awk '/^Gid:/ { print $2 }' "/proc/$1/status"; }
init_pid() { sbx state "$1" | jq -r .pid; }

# Detached containers are deleted when the test's shell exits, also when
# an assertion failed half-way (they are not in the test's process group).
_cleanup=()
cleanup_later() {
	_cleanup+=("$*")
	trap 'for c in "${_cleanup[@]}"; do sbx $c >/dev/null 2>&1; done' EXIT
}

# A detached long-running container; echoes nothing, fails loudly.
start_sleeper() {
	local b=$1 id=$2
	shift 2
	make_bundle "$b" sleep 60 || return 1
	cleanup_later "$@" delete -f "$id"
	expect_rc 0 sbx "$@" run -d --bundle "$b" "$id" >/dev/null
}

test_spec_userns_by_role() {
	local b=$TEST_TMP/b c
	make_bundle "$b" || return 1
	c=$b/config.json
	if [ "$SBX_TEST_MODE" = root ]; then
		expect_eq auto "$(jq -r '.annotations["run.sbx.userns"]' "$c")" "annotation" || return 1
		expect_eq '{"type":"user"}' "$(jq -c '.linux.namespaces[] | select(.type == "user")' "$c")" "user namespace" || return 1
		expect_eq null "$(jq -c .linux.uidMappings "$c")" "no mappings in the file" || return 1
		# --no-userns: the old rootful default.
		mkdir "$TEST_TMP/n"
		sbx spec --no-userns --bundle "$TEST_TMP/n" || return 1
		expect_eq "" "$(jq -r '.linux.namespaces[] | select(.type == "user") | .type' "$TEST_TMP/n/config.json")" "--no-userns" || return 1
		expect_eq null "$(jq -c .annotations "$TEST_TMP/n/config.json")" "--no-userns annotations"
	else
		# Unchanged: the caller mapped to root, one id, no pool.
		expect_eq null "$(jq -c .annotations "$c")" "annotations" || return 1
		expect_eq "[{\"containerID\":0,\"hostID\":$(id -u "$SBX_TEST_USER"),\"size\":1}]" \
			"$(jq -c .linux.uidMappings "$c")" "uidMappings"
	fi
}

# Container uid 0 is an unprivileged host uid from the pool (checked from
# the host side), for init and for an exec'd process.
test_container_root_is_unprivileged_on_host() {
	need_root_mode
	local b=$TEST_TMP/b pid u g out
	start_sleeper "$b" unpriv-$$ || return 1
	pid=$(init_pid unpriv-$$)
	u=$(host_uid "$pid") g=$(host_gid "$pid")
	[ "$u" != 0 ] || { _sbx_fail "container root is host uid 0"; return 1; }
	in_pool "$u" || { _sbx_fail "host uid $u is not in the pool of user sbxrun: $(pool_ranges)"; return 1; }
	in_pool "$g" /etc/subgid || { _sbx_fail "host gid $g is not in the pool"; return 1; }
	expect_eq "0 $u 65536" "$(xargs <"/proc/$pid/uid_map")" "uid_map of init" || return 1
	out=$(sbx exec unpriv-$$ sh -c 'id -u; cat /proc/self/status') || return 1
	expect_match '^0$' "$out" "id -u inside (exec)" || return 1
	expect_match "^Uid:[[:space:]]+0[[:space:]]" "$out" "exec's uid inside" || return 1
	expect_rc 0 sbx delete -f unpriv-$$
}

# The rootfs is id-mapped: its files keep their in-container owners (also a
# non-root one), and it is still read-only.
test_rootfs_keeps_owners_and_stays_readonly() {
	need_root_mode
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'stat -c "%u:%g %n" /bin/busybox /etc/owned; touch /bin/new 2>&1; cat /proc/self/uid_map' || return 1
	echo x >"$b/rootfs/etc/owned"
	chown 1234:5678 "$b/rootfs/etc/owned"
	out=$(sbx run --bundle "$b" "ro-$RANDOM" 2>&1) || { echo "$out"; return 1; }
	# In a user namespace from the pool (not host root)...
	expect_match '^ +0 +[1-9][0-9]* +65536$' "$out" "uid_map inside" || return 1
	# ...and still the image's owners.
	expect_match '^0:0 /bin/busybox$' "$out" "owner of /bin/busybox" || return 1
	expect_match '^1234:5678 /etc/owned$' "$out" "owner of /etc/owned" || return 1
	expect_match 'Read-only file system' "$out" "touch /bin/new" || return 1
	[ -e "$b/rootfs/bin/new" ] && { _sbx_fail "the rootfs was written"; return 1; }
	expect_nomatch 'id-mapped' "$out" "no fallback warning on $(stat -f -c %T "$b")"
}

# Where the filesystem cannot id-map (ramfs here), the container still runs
# and stays read-only; unmapped owners show as nobody.  For the rootfs that
# is only said with --debug (an info message: nothing differs but how
# owners look); for a volume it is a warning, since what the container
# writes there then belongs to its pool ids.
test_rootfs_without_idmap_support() {
	need_root_mode
	[ "$(id -u)" = 0 ] || skip "mounting a ramfs needs root"
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'stat -c "%u:%g %n" /bin/busybox /vol; touch /bin/new 2>&1; touch /vol/w; echo ran' || return 1
	cfg "$b" ".mounts += [{destination: \"/vol\", type: \"bind\", source: \"$TEST_TMP/ram/vol\", options: [\"bind\"]}]" || return 1
	mkdir -p "$TEST_TMP/ram"
	out=$(unshare -m --propagation private sh -c '
		mount -t ramfs ramfs "$1/ram" || exit 90
		# Unmapped, the rootfs is not the container root'"'"'s to create a
		# mount point in (as with runc): the image must have it.
		cp -a "$1/b" "$1/ram/b" && mkdir "$1/ram/b/rootfs/vol" && mkdir -m 0777 "$1/ram/vol" || exit 91
		echo "== plain"
		"$2" --root "$3" run --bundle "$1/ram/b" "ramfs-$$" 2>&1
		echo "== debug"
		"$2" --root "$3" --debug run --bundle "$1/ram/b" "ramfs2-$$" 2>&1 | grep "does not support"
		echo "== host owner of w: $(stat -c %u "$1/ram/vol/w")"' _ "$TEST_TMP" "$SBXRUN" "$SBX_ROOT")
	expect_match '^65534:65534 /bin/busybox$' "$out" "owner of /bin/busybox (unmapped)" || return 1
	expect_match 'Read-only file system' "$out" "touch /bin/new" || return 1
	expect_match '^ran$' "$out" "the container ran" || return 1
	expect_match 'warning: .*mounts\[[0-9]+\] .*/vol.*does not support id-mapped mounts' "$out" "volume warning" || return 1
	expect_nomatch 'warning: rootfs' "$out" "no warning for the rootfs" || return 1
	expect_match 'info.*rootfs .*does not support id-mapped mounts' "$out" "--debug: rootfs message" || return 1
	local w
	w=$(sed -n 's/^== host owner of w: //p' <<<"$out")
	in_pool "$w" || { _sbx_fail "a file the container wrote on an unmapped volume belongs to host uid $w, not a pool uid"; return 1; }
}

# The parent clones the rootfs and the volumes for the container: the
# clones must not be peers of the host's mounts, or what the container
# mounts in them (/proc, /dev, ...) would appear on the host.  Checked
# under a host tree that is rshared (as systemd makes it).
test_no_mount_leak_from_shared_host() {
	need_root_mode
	[ "$(id -u)" = 0 ] || skip "needs a private mount namespace"
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'grep -c . /proc/self/mountinfo; sleep 2' || return 1
	cfg "$b" ".mounts += [{destination: \"/vol\", type: \"bind\", source: \"$TEST_TMP\", options: [\"rbind\"]}]" || return 1
	out=$(unshare -m --propagation shared sh -c '
		mount --make-rshared /
		"$2" --root "$3" run -d --bundle "$1/b" "leak-$$" >/dev/null 2>&1 || echo "run failed"
		sleep 1
		echo "host mounts under the bundle: $(grep -c " $1/b/" /proc/self/mountinfo)"
		"$2" --root "$3" delete -f "leak-$$"' _ "$TEST_TMP" "$SBXRUN" "$SBX_ROOT")
	expect_nomatch 'run failed' "$out" "run -d" || return 1
	expect_match '^host mounts under the bundle: 0$' "$out" "container mounts visible on the host"
}

# A writable bind volume is id-mapped: inside, files show their host owners
# and root can write them; what root creates inside belongs to host root,
# what it chowns to 2000 belongs to host uid 2000.
test_volume_keeps_host_ownership() {
	need_root_mode
	local b=$TEST_TMP/b v=$TEST_TMP/vol out
	mkdir -p "$v/sub"
	echo data >"$v/f"
	chown 1234:1234 "$v/f"
	chown 1000:1000 "$v/sub"
	make_bundle "$b" sh -c 'cat /proc/self/uid_map; stat -c "%u:%g %n" /vol/f /vol/sub; echo more >>/vol/f && echo appended;
		touch /vol/new; mkdir /vol/d; chown 2000:2000 /vol/d; touch /vol/sub/x' || return 1
	cfg "$b" ".mounts += [{destination: \"/vol\", type: \"bind\", source: \"$v\", options: [\"rbind\", \"rw\"]}]" || return 1
	out=$(sbx run --bundle "$b" "vol-$RANDOM" 2>&1) || { echo "$out"; return 1; }
	expect_match '^ +0 +[1-9][0-9]* +65536$' "$out" "uid_map inside (a pool user namespace)" || return 1
	expect_match '^1234:1234 /vol/f$' "$out" "owner of f inside" || return 1
	expect_match '^1000:1000 /vol/sub$' "$out" "owner of sub inside" || return 1
	expect_match '^appended$' "$out" "root writes a file of uid 1234" || return 1
	expect_eq "0:0" "$(stat -c %u:%g "$v/new")" "host owner of a file made by container root" || return 1
	expect_eq "2000:2000" "$(stat -c %u:%g "$v/d")" "host owner after chown 2000 inside" || return 1
	expect_eq "0:0" "$(stat -c %u:%g "$v/sub/x")" "host owner in a subdirectory" || return 1
	expect_eq "1234:1234" "$(stat -c %u:%g "$v/f")" "f keeps its owner"
}

# Two containers never share host ids, also across state roots.
test_two_containers_disjoint() {
	need_root_mode
	local u1 u2 g1 g2 d
	start_sleeper "$TEST_TMP/b1" dj1-$$ || return 1
	start_sleeper "$TEST_TMP/b2" dj2-$$ --root "$TEST_TMP/root2" || return 1
	u1=$(host_uid "$(init_pid dj1-$$)")
	u2=$(host_uid "$(sbx --root "$TEST_TMP/root2" state dj2-$$ | jq -r .pid)")
	g1=$(host_gid "$(init_pid dj1-$$)")
	g2=$(host_gid "$(sbx --root "$TEST_TMP/root2" state dj2-$$ | jq -r .pid)")
	in_pool "$u1" && in_pool "$u2" || { _sbx_fail "uids $u1 $u2 not from the pool"; return 1; }
	d=$((u1 > u2 ? u1 - u2 : u2 - u1))
	[ "$d" -ge 65536 ] || { _sbx_fail "uid ranges overlap: $u1 and $u2 (65536 ids each)"; return 1; }
	d=$((g1 > g2 ? g1 - g2 : g2 - g1))
	[ "$d" -ge 65536 ] || { _sbx_fail "gid ranges overlap: $g1 and $g2"; return 1; }
	expect_rc 0 sbx delete -f dj1-$$ || return 1
	expect_rc 0 sbx --root "$TEST_TMP/root2" delete -f dj2-$$
}

# claim_of ROOT ID: the registry entry (block number) naming ROOT/ID.
claim_of() {
	local root id=$2 f
	root=$(readlink -f "$1")
	for f in /run/sbxrun/.idpool/[0-9]*; do
		[ -f "$f" ] || continue
		[ "$(sed -n 1p "$f")" = "$root" ] && [ "$(sed -n 2p "$f")" = "$id" ] && basename "$f"
	done
	return 0
}

# delete releases the block; so does delete --force of a container whose
# processes died without sbxrun noticing (a crash).
test_delete_releases_block() {
	need_root_mode
	local b=$TEST_TMP/b blk pid
	make_bundle "$b" sleep 60 || return 1
	cleanup_later delete -f rel-$$
	expect_rc 0 sbx create --bundle "$b" rel-$$ || return 1
	blk=$(jq -r .idBlock "$SBX_ROOT/rel-$$/state.json")
	expect_eq "$blk" "$(claim_of "$SBX_ROOT" rel-$$)" "registry entry of the new container" || return 1
	expect_rc 0 sbx delete rel-$$ || return 1
	expect_eq "" "$(claim_of "$SBX_ROOT" rel-$$)" "registry entry after delete" || return 1
	# Crash: init killed behind sbxrun's back, the record stays.
	start_sleeper "$TEST_TMP/b2" crash-$$ || return 1
	pid=$(init_pid crash-$$)
	kill -9 "$pid"
	wait_for 5 sh -c "! kill -0 $pid 2>/dev/null" || return 1
	[ -n "$(claim_of "$SBX_ROOT" crash-$$)" ] || { _sbx_fail "no registry entry for crash-$$"; return 1; }
	expect_rc 0 sbx delete --force crash-$$ || return 1
	expect_eq "" "$(claim_of "$SBX_ROOT" crash-$$)" "registry entry after delete --force"
}

# The id-mapped rootfs is prepared by the parent after GO, while init sets
# its hostname and network (issue 8's start-up cost).  An init that fails
# meanwhile must be reported as itself, whichever side gets there first
# (the parent's open_tree held back 30 ms: its sends find no reader), and
# leave nothing behind: no record, cgroup or pool claim.
test_init_error_while_parent_prepares_mounts() {
	need_root_mode
	command -v strace >/dev/null || skip "strace not installed"
	local b=$TEST_TMP/b err rc=0
	make_bundle "$b" true || return 1
	# (LeakSanitizer cannot run under ptrace: off for the ASan build.)
	err=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o /dev/null -e trace=sethostname,open_tree -e inject=sethostname:error=EPERM \
		-e inject=open_tree:delay_enter=30000 \
		"$SBXRUN" --root "$SBX_ROOT" run --bundle "$b" prep-$$ 2>&1 >/dev/null) || rc=$?
	expect_eq 125 "$rc" "exit status" || return 1
	expect_eq 'sbxrun: sethostname "sbxrun": Operation not permitted' "$err" "stderr" || return 1
	expect_eq "" "$(ls "$SBX_ROOT")" "records left" || return 1
	expect_eq "" "$(claim_of "$SBX_ROOT" prep-$$)" "registry entry" || return 1
	expect_eq "" "$(find /sys/fs/cgroup -name "sbx-prep-$$" 2>/dev/null)" "cgroup left"
}

# --no-userns opts out: this container's root IS host root (the test of
# rootful-without-userns behaviour).
test_no_userns_opt_out() {
	need_root_mode
	local b=$TEST_TMP/b pid
	mkdir -p "$b"
	cp -a "$SBX_IT_ROOTFS" "$b/rootfs" || return 1
	sbx spec --no-userns --bundle "$b" || return 1
	cfg "$b" '.process.args = ["sleep", "60"]' || return 1
	cleanup_later delete -f nouserns-$$
	expect_rc 0 sbx run -d --bundle "$b" nouserns-$$ >/dev/null || return 1
	pid=$(init_pid nouserns-$$)
	expect_eq 0 "$(host_uid "$pid")" "host uid of init without a user namespace" || return 1
	expect_eq "" "$(claim_of "$SBX_ROOT" nouserns-$$)" "no pool block" || return 1
	expect_rc 0 sbx delete -f nouserns-$$
}

# The user namespace taken out of a `sbxrun spec` config by hand (to be
# host root): the annotation left behind has nothing to act on; a
# user namespace joined by path with it is a contradiction.
test_userns_removed_by_hand() {
	need_root_mode
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'cat /proc/self/uid_map' || return 1
	cfg "$b" 'del(.linux.namespaces[] | select(.type == "user"))' || return 1
	expect_eq auto "$(jq -r '.annotations["run.sbx.userns"]' "$b/config.json")" "annotation kept" || return 1
	out=$(sbx run --bundle "$b" "byhand-$RANDOM" 2>&1) || { echo "$out"; return 1; }
	expect_match '^ +0 +0 +4294967295$' "$out" "identity map (no user namespace)" || return 1
	cfg "$b" '.linux.namespaces += [{type: "user", path: "/proc/1/ns/user"}]' || return 1
	expect_run_error "$b" 'annotations\.run\.sbx\.userns: "auto" needs a new user namespace, not one joined by path'
}

# runtime-spec mounts[].uidMappings/gidMappings with the container's own
# explicit mappings: on-disk id C is seen as the host id the mount maps it
# to, i.e. as the container id that host id has.
test_mount_explicit_idmap() {
	need_root_mode
	local b=$TEST_TMP/b v=$TEST_TMP/vol base out
	# Host ids far from every range in /etc/subuid and /etc/subgid.
	base=$(cat /etc/subuid /etc/subgid | awk -F: '$3 ~ /^[0-9]+$/ { e = $2 + $3; if (e > m) m = e }
		END { printf "%.0f\n", (int(m / 65536) + 2) * 65536 }')
	mkdir -p "$v"
	echo x >"$v/f"
	chown 1234:1234 "$v/f"
	make_bundle "$b" sh -c 'stat -c "%u:%g %n" /same/f /shifted/f /shifted; touch /same/new' || return 1
	# Explicit mappings: the rootfs is not id-mapped (only pool containers'
	# are), so its root-owned directories are not the container's to
	# create mount points in, as with runc: make them here.
	mkdir "$b/rootfs/same" "$b/rootfs/shifted"
	cfg "$b" "del(.annotations) | .linux.uidMappings = [{containerID: 0, hostID: $base, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $base, size: 65536}]
		| .mounts += [
		  {destination: \"/same\", type: \"bind\", source: \"$v\", options: [\"bind\", \"idmap\"]},
		  {destination: \"/shifted\", type: \"bind\", source: \"$v\", options: [\"bind\", \"ro\"],
		   uidMappings: [{containerID: 1234, hostID: $((base + 7)), size: 1}],
		   gidMappings: [{containerID: 1234, hostID: $((base + 8)), size: 1}]}]" || return 1
	out=$(sbx run --bundle "$b" "explicit-$RANDOM" 2>&1) || { echo "$out"; return 1; }
	expect_match '^1234:1234 /same/f$' "$out" "idmap with the container's mappings" || return 1
	expect_match '^7:8 /shifted/f$' "$out" "explicit mapping 1234 -> 7:8" || return 1
	expect_match '^65534:65534 /shifted$' "$out" "an id the mount does not map" || return 1
	expect_eq 0:0 "$(stat -c %u:%g "$v/new")" "host owner of a file made through /same"
}

# Rootless: an id-mapped mount needs root on the host; refused clearly.
test_mount_idmap_refused_rootless() {
	[ "$SBX_TEST_MODE" = rootless ] || skip "rootless refusal"
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" ".mounts += [{destination: \"/v\", type: \"bind\", source: \"$TEST_TMP\", options: [\"bind\", \"idmap\"]}]" || return 1
	expect_run_error "$b" 'mounts\[[0-9]+\]: an id-mapped mount needs root on the host'
}

test_features_idmap() {
	expect_eq true "$(sbx features | jq .linux.mountExtensions.idmap.enabled)" "features: mountExtensions.idmap.enabled"
}

# The parent clones a volume in init's mount namespace, whose copies of the
# host's mounts carry the host's ro/nosuid/nodev locked: even root with
# CAP_SYS_ADMIN (and no seccomp) in the container cannot remount a bind of
# a host read-only mount writable.  (A clone of the host's own mount would
# not be locked.)
test_idmapped_volume_keeps_host_locks() {
	need_root_mode
	[ "$(id -u)" = 0 ] || skip "needs a private mount namespace"
	local b=$TEST_TMP/b v=$TEST_TMP/rovol out
	mkdir -p "$v"
	echo data >"$v/f"
	make_bundle "$b" sh -c 'mount -o remount,bind,rw /vol 2>&1 && echo REMOUNTED;
		echo x >>/vol/f 2>&1 || echo write-refused; cat /proc/self/uid_map' || return 1
	cfg "$b" ".mounts += [{destination: \"/vol\", type: \"bind\", source: \"$v\", options: [\"bind\"]}]
		| del(.linux.seccomp)
		| .process.capabilities.bounding += [\"CAP_SYS_ADMIN\"]
		| .process.capabilities.effective += [\"CAP_SYS_ADMIN\"]
		| .process.capabilities.permitted += [\"CAP_SYS_ADMIN\"]" || return 1
	out=$(unshare -m --propagation private sh -c '
		mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 90
		"$2" --root "$3" run --bundle "$4" "locks-$$" 2>&1' _ "$v" "$SBXRUN" "$SBX_ROOT" "$b")
	expect_match '^ +0 +[1-9][0-9]* +65536$' "$out" "a pool user namespace" || return 1
	expect_nomatch '^REMOUNTED$' "$out" "remount of a host read-only bind as rw" || return 1
	expect_match '^write-refused$' "$out" "write to the read-only volume" || return 1
	expect_eq data "$(cat "$v/f")" "the volume's file"
}
