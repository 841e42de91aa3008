#!/usr/bin/env python3
"""bench-ab.py: sbxrun against a baseline binary, with confidence intervals.

    bench-ab.py BENCH_OUT

reads the hyperfine exports of scripts/bench.sh run with SBX_BASELINE
($BENCH_OUT/bench.<round>.json: every round has every command, so the rows
of the two binaries alternate in blocks through the whole run) and prints,
as markdown, for each row "X" that both have ("sbxrun X" and "baseline X";
the baseline's rootful rows run the --no-userns bundles, see bench.sh):
every run of every round pooled, the median of each binary, their
difference, and a 95% bootstrap confidence interval of that difference
(resampling the runs; 4000 resamples, fixed seed).  A difference whose
interval contains 0 is within the noise of this run.

The baseline's "(rootful)" rows (run and exec) are compared twice: with
sbxrun's default rootful row (a user namespace from the pool, which the
baseline did not have) and with sbxrun's "(rootful, --no-userns)" row (the
same bundle as the baseline's).
"""
import glob
import json
import os
import random
import statistics
import sys


def load(out):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, 'bench.[0-9]*.json'))):
        with open(path) as f:
            for r in json.load(f)['results']:
                runs.setdefault(r['command'], []).extend(t * 1000 for t in r['times'])
    return runs


def ci_diff(a, b, n=4000):
    rnd = random.Random(8)
    d = sorted(statistics.median(rnd.choices(b, k=len(b))) -
               statistics.median(rnd.choices(a, k=len(a))) for _ in range(n))
    return d[int(0.025 * n)], d[int(0.975 * n)]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    runs = load(sys.argv[1])
    pairs = [('baseline (rootful)', 'sbxrun (rootful, --no-userns)'),
             ('baseline (rootful)', 'sbxrun (rootful)'),
             ('baseline exec (rootful)', 'sbxrun exec (rootful, --no-userns)'),
             ('baseline exec (rootful)', 'sbxrun exec (rootful)')]
    for name in runs:
        if name.startswith('baseline ') and name not in ('baseline (rootful)',
                                                         'baseline exec (rootful)'):
            other = 'sbxrun ' + name[len('baseline '):]
            if other in runs:
                pairs.append((name, other))
    print('| sbxrun row | baseline row | runs | baseline median (ms) | sbxrun median (ms) '
          '| difference (ms) [95% CI] | verdict |')
    print('|---|---|---:|---:|---:|---|---|')
    for base, cur in pairs:
        if base not in runs or cur not in runs:
            continue
        a, b = runs[base], runs[cur]
        ma, mb = statistics.median(a), statistics.median(b)
        lo, hi = ci_diff(a, b)
        if hi < 0:
            verdict = 'faster'
        elif lo > 0:
            verdict = 'SLOWER'
        else:
            verdict = 'within noise'
        print(f'| {cur} | {base} | {len(a)}/{len(b)} | {ma:.2f} | {mb:.2f} '
              f'| {mb - ma:+.2f} [{lo:+.2f}, {hi:+.2f}] | {verdict} |')


if __name__ == '__main__':
    main()
