"""Record pages for end users: lists, live data-entry forms, record pages and attachments."""

from __future__ import annotations

from flask import Flask

from servicekit.workspace.records.panels import add_record_panel


def init_app(app: Flask) -> None:
    """Register the records blueprint (its routes live in the ``views_*`` modules)."""
    from servicekit.platform.metadata.forms import label_text
    from servicekit.workspace.records import (  # noqa: F401 - modules register routes
        lookups,
        views_form,
        views_list,
        views_record,
    )
    from servicekit.workspace.records.blueprint import bp

    app.register_blueprint(bp)
    # A global, so imported template macros see it too.
    app.jinja_env.globals.setdefault("label_text", label_text)


__all__ = ["add_record_panel", "init_app"]
