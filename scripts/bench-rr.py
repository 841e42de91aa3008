#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Round-robin timing: every command once per round, paired differences.

    scripts/bench-rr.py [-r ROUNDS] [-w WARMUP] NAME=COMMAND NAME=COMMAND...

hyperfine (scripts/bench.sh) runs each command many times in a row: a
burst of load, or a cache that one command's runs keep warm for the next,
lands on one row and not on the other.  Here every round runs each
command once, in an order that rotates and reverses from round to round,
so slow drifts of the machine hit all commands alike; the difference of
two commands is taken within each round (paired) and summarised by its
median and a 95 % bootstrap confidence interval.  The first command is
the reference.  COMMAND is split like a shell would (shlex), not run by
a shell; its output goes to /dev/null and a non-zero exit aborts.
Wall time per run, from just before posix_spawn to the end of waitpid.
"""
import argparse
import os
import random
import shlex
import statistics
import sys
import time


def run_once(argv, devnull):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                        (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench-rr: {shlex.join(argv)}: exit status {os.waitstatus_to_exitcode(status)}")
    return (t1 - t0) / 1e6


def ci95(diffs, n=1000):
    rnd = random.Random(1)
    meds = sorted(statistics.median(rnd.choices(diffs, k=len(diffs))) for _ in range(n))
    return meds[int(0.025 * n)], meds[int(0.975 * n) - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-r", "--rounds", type=int, default=200)
    ap.add_argument("-w", "--warmup", type=int, default=5)
    ap.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    a = ap.parse_args()
    names, cmds = [], []
    for c in a.commands:
        name, sep, cmd = c.partition("=")
        if not sep or not cmd:
            ap.error(f"{c!r}: expected NAME=COMMAND")
        names.append(name)
        cmds.append(shlex.split(cmd))
    k = len(cmds)
    times = [[] for _ in cmds]
    devnull = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
    for r in range(-a.warmup, a.rounds):
        order = [(max(r, 0) + j) % k for j in range(k)]
        if r % 2:
            order.reverse()
        for i in order:
            t = run_once(cmds[i], devnull)
            if r >= 0:
                times[i].append(t)
    print(f"{a.rounds} rounds, each command once per round (order rotated); "
          f"medians, and the paired difference to {names[0]!r} [95% CI]")
    for i, n in enumerate(names):
        med = statistics.median(times[i])
        if i == 0:
            print(f"  {n:<28} {med:8.3f} ms")
            continue
        d = [x - y for x, y in zip(times[i], times[0])]
        lo, hi = ci95(d)
        print(f"  {n:<28} {med:8.3f} ms  {statistics.median(d):+.3f} [{lo:+.3f}, {hi:+.3f}] ms")


if __name__ == "__main__":
    main()
