"""Benchmark: business-time arithmetic against a naive minute-by-minute count.

    python bench/sla.py [--timers 100000] [--sample 0.01] [--seed 6]
                        [--sweep-rows 1000000] [--sweep-due 1000]

For ``--timers`` random timers on the built-in China mainland calendar (starts between
2024 and 2026 at any minute, including nights, weekends and holidays; targets of 30
minutes, 4 hours, 1 and 3 working days or anything up to 30 working hours), it computes
each timer's due time and the business time elapsed up to a random later moment with
``servicekit.runtime.sla``. A ``--sample`` of the timers is then computed again by the
obvious loop that steps one minute at a time; both sides must agree on every due time and
every elapsed amount. It prints the time per timer of each and the ratio (naive /
ServiceKit). Then, with a PostgreSQL server (SERVICEKIT_BENCH_POSTGRES_URL), it times the
escalation sweep over ``--sweep-rows`` timer rows against the bare indexed query
(``bench/sla_sweep.py``; ``--sweep-rows 0`` skips it). Results belong in docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from servicekit.runtime.sla import Calendar, builtin_calendar, due, elapsed  # noqa: E402

MINUTE = timedelta(minutes=1)
TARGETS = (30, 240, 450, 1350)  # 30 min, 4 h, one and three 7.5-hour working days

Timer = tuple[datetime, int, datetime]


def make_timers(calendar: Calendar, count: int, seed: int) -> list[Timer]:
    """Random (start, target minutes, moment to measure elapsed time at) triples."""
    rng = random.Random(seed)
    first = datetime(2024, 1, 1, tzinfo=calendar.zone)
    span = int((datetime(2026, 10, 31, tzinfo=calendar.zone) - first) / MINUTE)
    timers = []
    for _ in range(count):
        start = first + rng.randrange(span) * MINUTE
        minutes = rng.choice(TARGETS) if rng.random() < 0.7 else rng.randrange(0, 1800)
        later = start + rng.randrange(0, 6 * 24 * 60) * MINUTE
        timers.append((start, minutes, later))
    return timers


def fast(calendar: Calendar, timers: list[Timer]) -> list[tuple[datetime, timedelta]]:
    return [
        (due(calendar, start, minutes * MINUTE), elapsed(calendar, start, later))
        for start, minutes, later in timers
    ]


def _working(calendar: Calendar, moment: datetime) -> bool:
    local = moment.astimezone(calendar.zone)
    of_day = local.hour * 60 + local.minute
    return any(i.start <= of_day < i.end for i in calendar.intervals_on(local.date()))


def naive(calendar: Calendar, timers: list[Timer]) -> list[tuple[datetime, timedelta]]:
    """The same answers found by looking at every minute in turn."""
    results = []
    for start, minutes, later in timers:
        moment, counted = start, 0
        if minutes == 0:
            while not _working(calendar, moment):
                moment += MINUTE
        while counted < minutes:
            counted += _working(calendar, moment)
            moment += MINUTE
        spent, cursor = 0, start
        while cursor < later:
            spent += _working(calendar, cursor)
            cursor += MINUTE
        results.append((moment, spent * MINUTE))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=100_000)
    parser.add_argument("--sample", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--sweep-rows", type=int, default=1_000_000)
    parser.add_argument("--sweep-due", type=int, default=1_000)
    args = parser.parse_args()

    calendar = builtin_calendar()
    timers = make_timers(calendar, args.timers, args.seed)
    began = time.perf_counter()
    results = fast(calendar, timers)
    fast_seconds = time.perf_counter() - began

    step = max(1, round(1 / args.sample))
    sample = list(range(0, len(timers), step))
    began = time.perf_counter()
    expected = naive(calendar, [timers[i] for i in sample])
    naive_seconds = time.perf_counter() - began

    wrong = [i for i, want in zip(sample, expected, strict=True) if results[i] != want]
    if wrong:
        start, minutes, later = timers[wrong[0]]
        print(f"MISMATCH on {len(wrong)} timers, e.g. start {start}, {minutes} min, at {later}")
        return 1
    per_fast = fast_seconds / len(timers)
    per_naive = naive_seconds / len(sample)
    print(f"timers: {len(timers):,} due times and elapsed amounts on cn_mainland")
    print(f"ServiceKit:   {fast_seconds:8.3f} s  ({per_fast * 1e6:9.1f} us per timer)")
    print(
        f"naive sample: {naive_seconds:8.3f} s  ({per_naive * 1e6:9.1f} us per timer, {len(sample):,} timers)"
    )
    print(f"results agree on all {len(sample):,} sampled timers")
    print(f"ratio naive / ServiceKit per timer: {per_naive / per_fast:.1f}")
    if args.sweep_rows:
        from bench import sla_sweep

        print()
        return sla_sweep.main(["--rows", str(args.sweep_rows), "--due", str(args.sweep_due)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
