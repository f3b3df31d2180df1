"""The reports of the reports benchmark written by hand in SQL, for SQLite and PostgreSQL.

For ``bench/reports.py``: each query returns the same rows as ServiceKit's report of the
same name, written the way an engineer would write it against the tables directly
(``wo`` the work orders, ``parts`` their spare-part rows, ``eq`` the equipment).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tables:
    wo: str
    parts: str
    eq: str


def _bucket(pg: bool, column: str, unit: str) -> str:
    if pg:
        pattern = {"day": "YYYY-MM-DD", "month": "YYYY-MM"}[unit]
        return f"to_char(timezone('Asia/Shanghai', {column}), '{pattern}')"
    pattern = {"day": "%Y-%m-%d", "month": "%Y-%m"}[unit]
    return f"strftime('{pattern}', {column}, '+28800 seconds')"


def hand_sql(pg: bool, case: str, t: Tables) -> str:
    """What someone would write by hand for each report."""
    num = "CAST({} AS numeric)" if pg else "CAST({} AS REAL)"
    no = "false" if pg else "0"
    live = f"FROM {t.wo} WHERE deleted = {no}"
    month = _bucket(pg, "appointment_at", "month")
    score = num.format("satisfaction")
    nps = (
        f"100.0 * (count(CASE WHEN {score} >= 5 THEN 1 END) - count(CASE WHEN {score} <= 3 "
        f"THEN 1 END)) / NULLIF(count(satisfaction), 0)"
    )
    if case == "month-priority":
        return (
            f"SELECT {month}, priority, count(*), avg({num.format('total_cost')}) {live} "
            "GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 1000"
        )
    if case == "orders_per_day":
        return (
            f"SELECT {_bucket(pg, 'appointment_at', 'day')}, priority, count(*) {live} "
            "GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 1000"
        )
    if case == "top_fault_types":
        return (
            f"SELECT fault_type, count(*), count(CASE WHEN priority = 'urgent' THEN 1 END) "
            f"{live} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5"
        )
    if case == "part_cost_by_month":
        cost = f"qty * {num.format('unit_price')}"
        return (
            f"SELECT {month}, COALESCE(sum(p.cost), 0) / count(*) FROM {t.wo} "
            f"LEFT JOIN (SELECT parent_id, sum({cost}) AS cost FROM {t.parts} GROUP BY parent_id) p "
            f"ON p.parent_id = {t.wo}.id WHERE deleted = {no} GROUP BY 1"
        )
    if case == "engineer_workload":
        return (
            f"SELECT engineer, count(*), count(CASE WHEN resolution IS NULL THEN 1 END) "
            f"{live} GROUP BY 1"
        )
    if case == "satisfaction_trend":
        return f"SELECT {month}, avg({score}), {nps} {live} GROUP BY 1"
    if case == "nps":
        return f"SELECT {nps} {live}"
    if case == "average_satisfaction":
        return f"SELECT avg({score}) {live}"
    if case == "backlog":
        return f"SELECT count(*) {live} AND resolution IS NULL"
    if case == "top_models":
        return (
            f"SELECT e.model, count(*), count(DISTINCT w.equipment) FROM {t.wo} w "
            f"LEFT JOIN {t.eq} e ON e.id = w.equipment WHERE w.deleted = {no} "
            "GROUP BY e.model ORDER BY 2 DESC, 1 LIMIT 5"
        )
    if case in ("first_time_fix", "first_time_fix_trend"):
        return _first_time_fix(pg, t, by_month=case == "first_time_fix_trend")
    if case in ("sla_met", "sla_times_by_month", "sla_breaches_by_month"):
        return _sla(pg, case, t)
    raise ValueError(case)


def _first_time_fix(pg: bool, t: Tables, by_month: bool) -> str:
    """Resolved orders with no return, no reopening and no visit to the same equipment in
    the 30 days after, over resolved orders.

    On PostgreSQL the next visit comes from ``lead`` over the distinct visit moments per
    unit, hash-joined back; on SQLite a look-up per order through the equipment index
    (SQLite does not index a window's result for a join on two columns)."""
    no = "false" if pg else "0"
    month = _bucket(pg, "w.appointment_at", "month")
    returned = (
        "SELECT 1 FROM workflow_tasks k WHERE k.record_id = w.id "
        "AND k.app_key = 'after_sales' AND k.form_key = 'work_order' "
        "AND k.action IN ('return', 'reject')"
    )
    reopened = (
        "SELECT 1 FROM events e WHERE e.record_id = w.id "
        "AND e.app_key = 'after_sales' AND e.form_key = 'work_order' "
        "AND e.kind = 'workflow.reopened'"
    )
    if pg:
        first = (
            f"NOT EXISTS ({returned}) AND NOT EXISTS ({reopened}) AND (n.next_at IS NULL "
            "OR n.next_at > w.appointment_at + interval '30 days')"
        )
        source = (
            f"{t.wo} w LEFT JOIN (SELECT equipment, appointment_at, lead(appointment_at) "
            "OVER (PARTITION BY equipment ORDER BY appointment_at) AS next_at FROM "
            f"(SELECT DISTINCT equipment, appointment_at FROM {t.wo} WHERE deleted = false "
            "AND equipment IS NOT NULL) d) n ON n.equipment = w.equipment "
            "AND n.appointment_at = w.appointment_at"
        )
        rate = "1.0 * count(*) FILTER (WHERE is_first) / NULLIF(count(*), 0)"
    else:
        first = (
            f"NOT EXISTS ({returned}) AND NOT EXISTS ({reopened}) "
            f"AND NOT EXISTS (SELECT 1 FROM {t.wo} v WHERE v.equipment = w.equipment "
            "AND v.deleted = 0 AND v.appointment_at > w.appointment_at "
            "AND julianday(v.appointment_at) <= julianday(w.appointment_at) + 30)"
        )
        source = f"{t.wo} w"
        rate = "1.0 * sum(is_first) / NULLIF(count(*), 0)"
    inner = (
        f"SELECT {month} AS month, {first} AS is_first FROM {source} "
        f"WHERE w.deleted = {no} AND w.resolution IS NOT NULL"
    )
    if by_month:
        return f"SELECT month, {rate} FROM ({inner}) f GROUP BY month"
    return f"SELECT {rate} FROM ({inner}) f"


def _sla(pg: bool, case: str, t: Tables) -> str:
    no = "false" if pg else "0"
    timers = "sla_timers s WHERE s.app_key = 'after_sales' AND s.form_key = 'work_order'"
    month = _bucket(pg, "w.appointment_at", "month")
    if case == "sla_met":
        # Met: closed in time and never breached; breached: a breach on record.
        return (
            "SELECT 100.0 * count(CASE WHEN s.breached_at IS NULL AND s.met_at IS NOT NULL "
            "AND s.closed_at IS NOT NULL THEN 1 END) / NULLIF(count(CASE WHEN "
            "s.breached_at IS NOT NULL OR (s.met_at IS NOT NULL AND s.closed_at IS NOT NULL) "
            f"THEN 1 END), 0) FROM {timers} AND s.record_id IN "
            f"(SELECT id FROM {t.wo} WHERE deleted = {no})"
        )
    if case == "sla_breaches_by_month":
        return (
            f"SELECT {month}, count(s.id) FROM {t.wo} w LEFT JOIN sla_timers s "
            "ON s.record_id = w.id AND s.app_key = 'after_sales' AND s.form_key = 'work_order' "
            f"AND s.breached_at IS NOT NULL WHERE w.deleted = {no} GROUP BY 1"
        )
    # Average business minutes: the cycle-1 response, and resolution over all cycles.
    return (
        f"SELECT {month}, avg(r.seconds) / 60.0, avg(d.seconds) / 60.0 FROM {t.wo} w "
        f"LEFT JOIN (SELECT s.record_id, s.elapsed_seconds AS seconds FROM {timers} "
        "AND s.target = 'response' AND s.cycle = 1 AND s.met_at IS NOT NULL) r "
        "ON r.record_id = w.id "
        f"LEFT JOIN (SELECT s.record_id, sum(s.elapsed_seconds) AS seconds FROM {timers} "
        "AND s.target = 'resolution' AND s.met_at IS NOT NULL GROUP BY s.record_id) d "
        f"ON d.record_id = w.id WHERE w.deleted = {no} GROUP BY 1"
    )
