"""Benchmark: compiled ServiceKit rules against a hand-written lambda, simpleeval and cel-python.

Run ``python bench/rules.py``. Each of 8 rules is compiled once and evaluated over the same
10,000 records by every engine, interleaved, median of 7 rounds; answers are checked to agree
first. Prints µs per evaluation and the ratio to the lambda. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import celpy
from celpy import celtypes
from simpleeval import EvalWithCompoundTypes

from servicekit.runtime.rules import compile_rule

FIELDS: list[dict[str, Any]] = [
    {"key": "title", "type": "text"},
    {"key": "qty", "type": "integer"},
    {"key": "price", "type": "decimal", "scale": 2},
    {"key": "urgent", "type": "boolean"},
    {"key": "due", "type": "date"},
    {"key": "priority", "type": "select"},
    {"key": "customer", "type": "lookup", "form": "customer"},
    {
        "key": "parts",
        "type": "subform",
        "fields": [{"key": "amount", "type": "integer"}, {"key": "unit_price", "type": "decimal"}],
    },
]
FORMS = {"customer": [{"key": "level", "type": "select"}, {"key": "name", "type": "text"}]}
CUTOFF = date(2024, 3, 1)
CEL_PART = "(size(parts) > {i} ? double(parts[{i}].amount) * parts[{i}].unit_price : 0.0)"

# name: (ServiceKit rule, lambda, simpleeval expression, CEL expression)
RULES: dict[str, tuple[str, Callable[[dict[str, Any]], Any], str, str]] = {
    "guard": (
        'priority = "urgent" and qty > 2',
        lambda r: r["priority"] == "urgent" and r["qty"] > 2,
        'priority == "urgent" and qty > 2',
        'priority == "urgent" && qty > 2',
    ),
    "membership": (
        'priority in ["urgent", "normal"]',
        lambda r: r["priority"] in ("urgent", "normal"),
        'priority in ("urgent", "normal")',
        'priority in ["urgent", "normal"]',
    ),
    "text": (
        'STARTSWITH(title, "空调")',
        lambda r: r["title"].startswith("空调"),
        'startswith(title, "空调")',
        'title.startsWith("空调")',
    ),
    "arithmetic": (
        "qty * price + 10",
        lambda r: r["qty"] * r["price"] + 10,
        "qty * price + 10",
        "double(qty) * price + 10.0",
    ),
    "lookup": (
        'customer.level = "vip"',
        lambda r: r["customer"]["level"] == "vip",
        'customer["level"] == "vip"',
        'customer.level == "vip"',
    ),
    "subform sum": (
        "SUM(parts, amount * unit_price)",
        lambda r: sum((p["amount"] * p["unit_price"] for p in r["parts"]), Decimal(0)),
        'sum([p["amount"] * p["unit_price"] for p in parts])',
        " + ".join(CEL_PART.format(i=i) for i in range(3)),
    ),
    "date": (
        "due < DATE(2024, 3, 1)",
        lambda r: r["due"] < CUTOFF,
        "due < cutoff",
        'due < timestamp("2024-03-01T00:00:00Z")',
    ),
    "combined": (
        'urgent or (customer.level = "vip" and qty * price > 100)',
        lambda r: r["urgent"] or (r["customer"]["level"] == "vip" and r["qty"] * r["price"] > 100),
        'urgent or (customer["level"] == "vip" and qty * price > 100)',
        'urgent || (customer.level == "vip" && double(qty) * price > 100.0)',
    ),
}


def make_records(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Deterministic records with Decimal prices and date objects, no nulls."""
    rng = random.Random(seed)
    titles = ["空调不制冷", "电梯故障", "AC fault", "空调漏水", "Printer jam"]
    records = []
    for _ in range(count):
        records.append(
            {
                "title": rng.choice(titles),
                "qty": rng.randint(0, 9),
                "price": Decimal(rng.randint(0, 99999)) / 100,
                "urgent": rng.random() < 0.2,
                "due": date(2024, rng.randint(1, 4), rng.randint(1, 28)),
                "priority": rng.choice(["urgent", "normal", "low"]),
                "customer": {"level": rng.choice(["vip", "standard"]), "name": "c"},
                "parts": [
                    {"amount": rng.randint(1, 5), "unit_price": Decimal(rng.randint(1, 9999)) / 100}
                    for _ in range(rng.randint(0, 3))
                ],
            }
        )
    return records


def _cel_value(value: Any) -> Any:
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, Decimal):
        return celtypes.DoubleType(float(value))
    if isinstance(value, date):
        return celtypes.TimestampType(datetime(value.year, value.month, value.day, tzinfo=UTC))
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, list):
        return celtypes.ListType([_cel_value(v) for v in value])
    if isinstance(value, dict):
        return celtypes.MapType({celtypes.StringType(k): _cel_value(v) for k, v in value.items()})
    raise TypeError(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return round(float(a), 6) == round(float(b), 6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    records = make_records(args.records)
    cel_records = [{k: _cel_value(v) for k, v in r.items()} for r in records]
    env = celpy.Environment()
    now = datetime(2024, 3, 15, tzinfo=UTC)
    engines: dict[str, dict[str, Callable[[], list[Any]]]] = {}
    for name, (source, fn, simple, cel) in RULES.items():
        rule = compile_rule(source, FIELDS, forms=FORMS)
        evaluator = EvalWithCompoundTypes(functions={"sum": sum, "startswith": str.startswith})
        parsed = evaluator.parse(simple)
        program = env.program(env.compile(cel))

        def run_simple(ev: Any = evaluator, tree: Any = parsed) -> list[Any]:
            out = []
            for r in records:
                ev.names = {**r, "cutoff": CUTOFF}
                out.append(ev.eval("", previously_parsed=tree))
            return out

        engines[name] = {
            "servicekit": lambda rule=rule: rule.evaluate_batch(records, now=now, tz="UTC"),
            "lambda": lambda fn=fn: [fn(r) for r in records],
            "simpleeval": run_simple,
            "cel-python": lambda p=program: [p.evaluate(r) for r in cel_records],
        }
    for name, runs in engines.items():
        reference = runs["lambda"]()
        for engine, run in runs.items():
            answers = run()
            bad = sum(not _same(a, b) for a, b in zip(answers, reference, strict=True))
            if bad:
                raise SystemExit(f"{engine} disagrees with the lambda on {bad} records of {name}")
    timings: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for name, runs in engines.items():
            for engine, run in runs.items():
                start = time.perf_counter()
                run()
                elapsed = time.perf_counter() - start
                timings.setdefault((name, engine), []).append(elapsed / len(records) * 1e6)
    order = ["servicekit", "lambda", "simpleeval", "cel-python"]
    print(f"µs per evaluation, median of {args.rounds} rounds over {len(records)} records")
    print("| rule | " + " | ".join(order) + " | servicekit / lambda | vs simpleeval | vs cel |")
    print("|---|" + "---:|" * (len(order) + 3))
    for name in engines:
        med = {e: statistics.median(timings[(name, e)]) for e in order}
        print(
            f"| {name} | "
            + " | ".join(f"{med[e]:.2f}" for e in order)
            + f" | {med['servicekit'] / med['lambda']:.1f}× "
            + f"| {med['simpleeval'] / med['servicekit']:.1f}× faster "
            + f"| {med['cel-python'] / med['servicekit']:.1f}× faster |"
        )


if __name__ == "__main__":
    main()
