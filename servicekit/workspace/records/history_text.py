"""One line of words per workflow event on a record page's history, so a reader sees
"派工 → 上门服务 (派工)" rather than ``workflow.moved`` (record edits are listed field by field
by the page itself)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

# Bookkeeping the reader never needs: the SLA clock's inputs recorded for replay.
HIDDEN_KINDS = frozenset({"sla.state"})


def workflow_event_text(
    kind: str, changes: Mapping[str, Any], node: Callable[[str], str]
) -> str | None:
    """The sentence for a ``workflow.*`` event, or None for kinds the page words itself.

    ``node`` turns a node key into its label in the reader's language.
    """
    c = changes

    def moved() -> str:
        text = _(
            "moved from %(source)s to %(target)s",
            source=node(c.get("from") or ""),
            target=node(c.get("to") or ""),
        )
        return text + (f" ({c['action']})" if c.get("action") else "")

    words: dict[str, Callable[[], str]] = {
        "workflow.started": lambda: _("started the workflow"),
        "workflow.moved": moved,
        "workflow.assigned": lambda: (
            _("assigned %(node)s", node=node(c.get("node") or ""))
            + (f": {c['reason']}" if c.get("reason") else "")
        ),
        "workflow.reassigned": lambda: _("reassigned %(node)s", node=node(c.get("node") or "")),
        "workflow.claimed": lambda: _("claimed %(node)s", node=node(c.get("node") or "")),
        "workflow.returned": lambda: (
            _(
                "returned from %(source)s to %(target)s",
                source=node(c.get("from") or ""),
                target=node(c.get("to") or ""),
            )
            + (f": {c['reason']}" if c.get("reason") else "")
        ),
        "workflow.voted": lambda: (
            _("voted at %(node)s", node=node(c.get("node") or ""))
            + (f": {c['vote']}" if c.get("vote") else "")
        ),
        "workflow.reopened": lambda: _("reopened the work order"),
        "workflow.cancelled": lambda: _("cancelled the work order"),
        "workflow.commented": lambda: _("commented"),
        "workflow.migrated": lambda: _("moved the work order to a new workflow version"),
    }
    make = words.get(kind)
    if make is None:
        return None
    text = make()
    comment = c.get("comment")
    if comment and kind in ("workflow.moved", "workflow.voted", "workflow.commented"):
        text += f" — {comment}"
    return text
