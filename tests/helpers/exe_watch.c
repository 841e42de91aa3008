/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exe_watch DEV:INO STOPFILE: the CVE-2019-5736 attacker, run inside a
 * container.  Until STOPFILE exists, scan /proc over and over and try to
 * open /proc/PID/exe (O_PATH, as the exploit does) of every process but
 * itself; each fd obtained is fstat'ed and compared with DEV:INO, the
 * device and inode of the host's sbxrun binary (st_dev/st_ino are the same
 * seen from any mount namespace).  Then prints
 *   "scans=N opened=N runtime=N"
 * and one "HIT pid=P exe=TARGET" line per time it got the runtime binary.
 * Exit 0 always; the caller judges runtime=0.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Try /proc/PID/exe; 1 if opened, and count a hit if it is the runtime. */
static int try_pid(long pid, unsigned long long dev, unsigned long long ino,
		   unsigned long long *hits)
{
	char path[64], target[256];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino) {
		(*hits)++;
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		printf("HIT pid=%ld exe=%s\n", pid, target);
		fflush(stdout);
	}
	close(fd);
	return 1;
}

/* The highest pid in /proc, trying every one on the way. */
static long scan_all(long self, unsigned long long dev, unsigned long long ino,
		     unsigned long long *opened, unsigned long long *hits)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long max = 1;

	if (!d)
		return max;
	while ((e = readdir(d))) {
		long pid = strtol(e->d_name, NULL, 10);
		if (pid <= 0 || pid == self)
			continue;
		if (pid > max)
			max = pid;
		*opened += (unsigned long long)try_pid(pid, dev, ino, hits);
	}
	closedir(d);
	return max;
}

int main(int argc, char **argv)
{
	unsigned long long dev, ino, scans = 0, opened = 0, hits = 0;
	long self = (long)getpid(), last;

	if (argc != 3 || sscanf(argv[1], "%llu:%llu", &dev, &ino) != 2) {
		fprintf(stderr, "usage: exe_watch DEV:INO STOPFILE\n");
		return 2;
	}
	/* A joining process gets the next free pids of the container's pid
	 * namespace: poll those in a tight loop (that is where the window
	 * is), and rescan everything now and then. */
	last = scan_all(self, dev, ino, &opened, &hits);
	while (access(argv[2], F_OK) != 0) {
		for (int round = 0; round < 200; round++)
			for (long pid = last + 1; pid <= last + 16; pid++)
				if (pid != self && try_pid(pid, dev, ino, &hits)) {
					opened++;
					if (pid > last)
						last = pid;
				}
		last = scan_all(self, dev, ino, &opened, &hits);
		scans++;
	}
	printf("scans=%llu opened=%llu runtime=%llu\n", scans, opened, hits);
	return 0;
}
