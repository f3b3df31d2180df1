"""The timers panel on a work order's page: each SLA clock with what is left or how late it
is, its colour (on track, warning, breached, paused), due time and history.

It reads the timer rows through the SLA engine's views (live, pause-aware business time)
and shows due times in the reader's zone. Records without timers get no panel.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from servicekit.platform.metadata.forms import label_text
from servicekit.platform.metadata.store import latest_bodies
from servicekit.runtime.sla import format_working, timer_history, timers_for_record

# Bootstrap colour per timer colour; the words say the same for people who cannot see it.
BADGES = {
    "on_track": "success",
    "warning": "warning",
    "breached": "danger",
    "paused": "secondary",
    "met": "success",
    "cancelled": "light",
}


def _colour_names() -> dict[str, str]:
    return {
        "on_track": _("On track"),
        "warning": _("Warning"),
        "breached": _("Breached"),
        "paused": _("Paused"),
        "met": _("Met"),
        "cancelled": _("Cancelled"),
    }


def _event_names() -> dict[str, str]:
    return {
        "started": _("started"),
        "paused": _("paused"),
        "resumed": _("resumed"),
        "policy_changed": _("policy changed"),
        "met": _("met"),
        "breached": _("breached"),
        "cancelled": _("cancelled"),
        "step_fired": _("step fired"),
    }


def _node_labels(scope: Any) -> dict[str, Any]:
    """Node key -> label of the workflows that run on this form."""
    labels: dict[str, Any] = {}
    for workflow in latest_bodies(scope.session, scope.app_key, "workflow").values():
        if workflow.get("form") == scope.runtime.key:
            for node in workflow.get("nodes") or []:
                labels[str(node.get("key"))] = node.get("label")
    return labels


def _working(seconds: int) -> str:
    return format_working(timedelta(seconds=abs(int(seconds)))) or "0m"


def _status(view: Any) -> str:
    """What a person reads next to the colour: time left, how late, or how it ended."""
    timer = view.timer
    if view.remaining_seconds is not None:
        if view.remaining_seconds < 0:
            return _("overdue by %(time)s", time=_working(view.remaining_seconds))
        if view.colour == "paused":
            return _("paused with %(time)s left", time=_working(view.remaining_seconds))
        return _("%(time)s left", time=_working(view.remaining_seconds))
    if timer.state == "cancelled":
        return _("cancelled")
    if timer.breach_seconds:
        return _("met %(time)s late", time=_working(timer.breach_seconds))
    return _("met in %(time)s", time=_working(view.elapsed_seconds))


def timers_panel(scope: Any, record: Any) -> Markup | None:
    """The panel's HTML for ``record``, or None when it has no SLA timers."""
    views = timers_for_record(
        scope.session, scope.app_key, scope.runtime.key, record.id, now=scope.now
    )
    if not views:
        return None
    nodes = _node_labels(scope)
    names = {"response": _("First response"), "resolution": _("Resolution")}
    rows = []
    for view in views:
        node = view.node_key
        rows.append(
            {
                "view": view,
                "name": names.get(view.timer.target)
                or (label_text(nodes.get(node), scope.locale) if node else None)
                or view.target_label,
                "status": _status(view),
                "badge": BADGES.get(view.colour, "secondary"),
                "history": timer_history(scope.session, view.timer.id),
            }
        )
    return Markup(
        render_template(
            "sla/_timers.html",
            rows=rows,
            colours=_colour_names(),
            events=_event_names(),
            cycles=len({view.timer.cycle for view in views}),
        )
    )
