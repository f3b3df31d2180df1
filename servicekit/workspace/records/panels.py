"""Panels other parts of ServiceKit add to a record's page (the SLA timers of a work order).

A panel is a function of the request's :class:`FormScope` and the record that returns the
panel's HTML, or None when it has nothing to show for that record. Panels are called
after the record page has checked that the reader may see the record, and appear in
the side column in the order they were added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from markupsafe import Markup

Panel = Callable[[Any, Any], "Markup | str | None"]
_KEY = "servicekit.record_panels"


def add_record_panel(app: Flask, panel: Panel) -> None:
    """Show ``panel`` on every record page (it decides per record whether it has anything)."""
    app.extensions.setdefault(_KEY, []).append(panel)


def record_panels(app: Flask, scope: Any, record: Any) -> list[Markup]:
    """The HTML of every panel that has something to show for ``record``."""
    shown = []
    for panel in app.extensions.get(_KEY, []):
        html = panel(scope, record)
        if html:
            shown.append(Markup(html))
    return shown
