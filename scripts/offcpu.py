#!/usr/bin/env python3
"""offcpu.py: where a command's processes wait (off-CPU time by kernel call site).

Start-up latency of the network modes is mostly waiting in the kernel (RCU
grace periods, locks, the scheduler), which a CPU profile does not show.
Record every context switch and fork system-wide while the command runs,
then sum, for the command's own process tree only, the time from each
switch-out to the next switch-in by the kernel stack it blocked in:

    perf record -o perf.data -e sched:sched_switch -e sched:sched_process_fork -g -a -- \\
        bash -c 'echo $$ >root.pid; for i in $(seq 10); do sbxrun run ...; done'
    perf script -i perf.data >perf.txt
    scripts/offcpu.py perf.txt root.pid 10      # 10 = runs, to print ms per run

Rows: ms per run, process name, state (S sleeping, D uninterruptible), the
first kernel frames below schedule().  "R" (preempted) is left out: that
is waiting for a CPU, not for the kernel.  docs/performance.md uses it.
"""
import collections
import re
import sys

# Frames that say "this task slept", not why.
GENERIC = re.compile(r'__schedule|^schedule$|schedule_timeout|__wait_for_common|wait_for_completion'
                     r'|preempt_schedule|io_schedule|do_nanosleep|hrtimer_nanosleep|schedule_hrtimeout'
                     r'|do_syscall_64|entry_SYSCALL|x64_sys_call|__x64_sys|__do_sys')
FORK = re.compile(r'(\d+\.\d+):\s+sched:sched_process_fork: comm=.* pid=(\d+) child_comm=.* child_pid=(\d+)')
SWITCH = re.compile(r'(\d+\.\d+):\s+sched:sched_switch: prev_comm=(.*?) prev_pid=(\d+) .*prev_state=(\S+)'
                    r' ==> next_comm=(.*?) next_pid=(\d+)')


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root = int(open(sys.argv[2]).read().split()[-1])
    runs = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    mine = {root}
    events, cur = [], None
    with open(sys.argv[1], errors='replace') as f:
        for line in f:
            if line and not line[0].isspace():
                cur = None
                m = FORK.search(line)
                if m:
                    if int(m.group(2)) in mine:
                        mine.add(int(m.group(3)))
                    continue
                m = SWITCH.search(line)
                if m:
                    cur = {'t': float(m.group(1)), 'comm': m.group(2), 'pid': int(m.group(3)),
                           'state': m.group(4), 'next': int(m.group(6)), 'stack': []}
                    events.append(cur)
            elif cur is not None and line.strip():
                parts = line.split()
                if len(parts) > 1:
                    cur['stack'].append(parts[1].split('+')[0])
    out, total = {}, collections.defaultdict(float)
    for e in events:
        if e['next'] in out:
            t0, key = out.pop(e['next'])
            total[key] += e['t'] - t0
        if e['pid'] in mine and not e['state'].startswith('R'):
            frames = [fr for fr in e['stack'] if not GENERIC.search(fr)]
            out[e['pid']] = (e['t'], (e['comm'], e['state'], ' < '.join(frames[:4])))
    for (comm, state, where), secs in sorted(total.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{secs * 1000 / runs:8.1f} ms/run  {comm:15} {state:2} {where[:160]}")


if __name__ == '__main__':
    main()
