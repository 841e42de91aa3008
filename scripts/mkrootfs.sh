#!/bin/sh
# mkrootfs.sh DIR: a minimal busybox root filesystem for tests and the demo.
# busybox-static is one self-contained binary, so the rootfs needs no shared
# libraries and no network: DIR/bin/busybox, one symlink per applet, the
# standard directories and a tiny /etc.
#   BUSYBOX=/path/to/static/busybox to use another binary.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
bb=${BUSYBOX:-/bin/busybox}
[ -x "$bb" ] || { echo "mkrootfs: $bb not found (apt-get install busybox-static)" >&2; exit 1; }
# A dynamic busybox would need its libraries inside the rootfs: refuse it.
if command -v file >/dev/null 2>&1 && file -L "$bb" | grep -q 'dynamically linked'; then
	echo "mkrootfs: $bb is dynamically linked; install busybox-static" >&2
	exit 1
fi
[ ! -e "$dir" ] || [ -z "$(ls -A "$dir")" ] || { echo "mkrootfs: $dir exists and is not empty" >&2; exit 1; }

mkdir -p "$dir"
cd "$dir"
for d in bin sbin usr/bin usr/sbin proc sys dev tmp etc root home home/user run var/tmp; do
	mkdir -p "$d"
done
chmod 1777 tmp var/tmp
chmod 0700 root
cp "$bb" bin/busybox
chmod 0755 bin/busybox
for applet in $("$bb" --list); do
	[ "$applet" = busybox ] && continue
	[ -e "bin/$applet" ] || ln -s busybox "bin/$applet"
done

cat >etc/passwd <<'P'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat >etc/group <<'G'
root:x:0:
user:x:1000:
nogroup:x:65534:
G
echo sbxrun >etc/hostname
chown 1000:1000 home/user 2>/dev/null || true
echo "$dir: busybox rootfs with $(ls bin | wc -l) entries in /bin"
