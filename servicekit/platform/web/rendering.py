"""One helper for views: render the full page, or only its fragment for htmx requests."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """Whether htmx sent this request for a partial update (boosted requests want pages)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def render(page: str, fragment: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render ``page``, or ``fragment`` (a ``_name.html`` template) when htmx asks.

    Sets ``Vary: HX-Request`` so caches keep the two answers apart.
    """
    template = fragment if fragment and is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response
