"""Built-in service KPIs a builder picks by name, each compiled to SQL aggregates.

A KPI is a function of the SQL builder, the measure (for its ``params``) and the
measure's extra condition. The SLA timers will add ``first_response_time``,
``resolution_time`` and ``sla_met`` through :func:`register_kpi` once they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from servicekit.runtime.reports import first_time_fix

if TYPE_CHECKING:
    from servicekit.runtime.reports.compile import SqlBuilder
    from servicekit.runtime.reports.model import Measure


@dataclass(frozen=True)
class Kpi:
    """A named KPI: its parameters with defaults, the fields it reads, and its SQL."""

    name: str
    defaults: dict[str, Any]
    field_params: tuple[str, ...]  # params naming a field path of the report's form
    build: Callable[[SqlBuilder, Measure, Any], Any]
    decimal: bool = True  # whether the value is a fraction (else a whole count)
    # The records behind the number, as a rule for the record list (None: all of them).
    drill: Callable[[dict[str, Any]], str | None] = lambda params: None


def _params(kpi: Kpi, measure: Measure) -> dict[str, Any]:
    return {**kpi.defaults, **dict(measure.params)}


def _work_orders(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    return b.count(cond)


def _per_engineer(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    params = _params(KPIS["work_orders_per_engineer"], m)
    engineer = b.value(b.path(params["engineer"]))
    return b.div(b.count(cond), b.count_distinct(engineer, cond))


def _backlog(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    """Open records: at the end of each period when ``closed_field`` says when they closed
    (the report's first dimension is then a date bucket of its date field), else those
    matching ``open_if`` now."""
    params = _params(KPIS["backlog"], m)
    closed = params.get("closed_field")
    first = b.report.dimensions[0] if b.report.dimensions else None
    if closed and first is not None and first.bucket and first.bucket != "weekday":
        return b.open_at_period_end(b.path(first.field), b.path(str(closed)), first.bucket)
    return b.count(b.both(cond, b.rule(params["open_if"])))


def _satisfaction(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    params = _params(KPIS["average_satisfaction"], m)
    found = b.path(params["field"])
    return b.aggregate("avg", b.number(found), cond, scale=b.scale_of(found))


def _nps(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    params = _params(KPIS["nps"], m)
    found = b.path(params["field"])
    score = b.number(found)
    promoters = b.count(b.both(cond, b.at_least(score, params["promoter_min"])))
    detractors = b.count(b.both(cond, b.at_most(score, params["detractor_max"])))
    # The stored values counted as they are: converting each one only to count it costs.
    rated = b.count_values(b.value(found), cond)
    return b.mul(b.div(b.sub(promoters, detractors), rated), 100)


def _part_cost(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    params = _params(KPIS["spare_part_cost"], m)
    price = b.path(f"{params['subform']}.{params['price']}", subform=True)
    scale = b.scale_of(price) or 0
    cost = b.subform_total(params["subform"], params["quantity"], params["price"], scale)
    total = b.aggregate("sum", cost, cond, scale=scale, prescaled=True)
    return b.div(total, b.count(cond))


def _first_time_fix(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    params = _params(KPIS["first_time_fix_rate"], m)
    where = f"$.measures[{b.report.measures.index(m)}]"
    return first_time_fix.first_time_fix_rate(b, params, cond, where)


KPIS: dict[str, Kpi] = {
    "work_orders": Kpi("work_orders", {}, (), _work_orders, decimal=False),
    "work_orders_per_engineer": Kpi(
        "work_orders_per_engineer", {"engineer": "engineer"}, ("engineer",), _per_engineer
    ),
    "backlog": Kpi(
        "backlog",
        {"open_if": "resolution = null"},
        (),
        _backlog,
        decimal=False,
        drill=lambda p: str(p["open_if"]),
    ),
    "average_satisfaction": Kpi(
        "average_satisfaction",
        {"field": "satisfaction"},
        ("field",),
        _satisfaction,
        drill=lambda p: f"{p['field']} != null",
    ),
    "nps": Kpi(
        "nps",
        {"field": "satisfaction", "promoter_min": 5, "detractor_max": 3},
        ("field",),
        _nps,
        drill=lambda p: f"{p['field']} != null",
    ),
    "spare_part_cost": Kpi(
        "spare_part_cost",
        {"subform": "parts", "quantity": "qty", "price": "unit_price"},
        (),
        _part_cost,
    ),
    "first_time_fix_rate": Kpi(
        "first_time_fix_rate",
        first_time_fix.DEFAULTS,
        (),
        _first_time_fix,
        drill=lambda p: str(p["resolved_if"]),
    ),
}


def register_kpi(kpi: Kpi) -> None:
    """Add a KPI (the SLA engine's response and resolution times, SLA met %)."""
    KPIS[kpi.name] = kpi


def kpi_params(name: str, measure: Measure) -> dict[str, Any]:
    """A KPI's parameters: the measure's own over the defaults."""
    return _params(KPIS[name], measure)
