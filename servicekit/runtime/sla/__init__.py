"""The SLA engine: working calendars, business-time arithmetic, timers and escalations.

Others use ``load_calendar`` to find the calendar a clock runs in, and ``due``,
``elapsed``, ``due_with_pauses`` and ``due_end_of_day`` to count business time in it.
Pages read timers with ``timers_for_record``, ``remaining_seconds``, ``classify``,
``timer_history`` and ``record_sla_columns``; timers themselves are kept current by
``live`` (in every change's transaction) and escalated by ``sweep``.
"""

from __future__ import annotations

from typing import Any

from servicekit.runtime.sla.business_time import (
    due,
    due_end_of_day,
    due_with_pauses,
    elapsed,
    merge_pauses,
    next_working_instant,
    paused_time,
)
from servicekit.runtime.sla.calendar import (
    CN_MAINLAND,
    WEEKDAYS,
    Calendar,
    Holiday,
    MakeUpDay,
    WorkingInterval,
    builtin_body,
    builtin_calendar,
)
from servicekit.runtime.sla.durations import Target, format_working, parse_target
from servicekit.runtime.sla.errors import CalendarCoverageError, CalendarError, SlaError
from servicekit.runtime.sla.policies import Policy, Step, TargetDef, select_policy
from servicekit.runtime.sla.policy_checks import check_policies
from servicekit.runtime.sla.store import (
    SHARED_APP,
    load_calendar,
    publish_shared_calendar,
    shared_calendar_body,
    shared_calendar_keys,
)
from servicekit.runtime.sla.validate import check_calendar
from servicekit.runtime.sla.views import (
    COLOURS,
    TimerView,
    classify,
    open_timers_query,
    record_sla_columns,
    remaining_seconds,
    timer_history,
    timers_for_record,
)


def init_app(app: Any) -> None:
    """Register the ``sla`` CLI group and the calendar and SLA policy validators."""
    from servicekit.platform.metadata.problems import Problem
    from servicekit.runtime.sla import cli_timers  # noqa: F401 - adds sweep and replay
    from servicekit.runtime.sla.cli import sla_group
    from servicekit.runtime.sla.jobs import register_sweep
    from servicekit.runtime.sla.live import install_live_updates

    def validator(docset: Any) -> list[Problem]:
        return [
            Problem(message, path, doc.file)
            for doc in docset.of_kind("calendar")
            for path, message in check_calendar(doc.body)
        ]

    def policy_validator(docset: Any) -> list[Problem]:
        apps = [doc.body for doc in docset.of_kind("app") if isinstance(doc.body, dict)]
        roles = {r.get("key") for r in apps[0].get("roles") or []} if apps else None
        found = check_policies(
            docset.bodies("sla"), docset.forms(), docset.bodies("workflow"), roles
        )
        return [Problem(message, path, docset.file_of("sla", key)) for key, path, message in found]

    app.cli.add_command(sla_group)
    install_live_updates(app)
    register_sweep(app)
    registry = app.extensions["servicekit.registry"]
    registry.add_validator("calendar", validator)
    registry.add_validator("sla", policy_validator)


__all__ = [
    "COLOURS",
    "CN_MAINLAND",
    "SHARED_APP",
    "WEEKDAYS",
    "Calendar",
    "CalendarCoverageError",
    "CalendarError",
    "Holiday",
    "MakeUpDay",
    "Policy",
    "SlaError",
    "Step",
    "Target",
    "TimerView",
    "TargetDef",
    "WorkingInterval",
    "builtin_body",
    "builtin_calendar",
    "check_calendar",
    "check_policies",
    "classify",
    "due",
    "due_end_of_day",
    "due_with_pauses",
    "elapsed",
    "format_working",
    "init_app",
    "load_calendar",
    "merge_pauses",
    "next_working_instant",
    "open_timers_query",
    "parse_target",
    "paused_time",
    "publish_shared_calendar",
    "record_sla_columns",
    "remaining_seconds",
    "select_policy",
    "shared_calendar_body",
    "shared_calendar_keys",
    "timer_history",
    "timers_for_record",
]
