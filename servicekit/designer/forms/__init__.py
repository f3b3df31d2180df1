"""The form designer: palette, canvas and properties panel, rule editor and live preview.

Also serves the rule-check API (``/designer/api/apps/<app>/rules/check``) that every
designer's rule editor calls.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ``designer_forms`` blueprint, guarded by the builder check."""
    from servicekit.designer.forms import (  # noqa: F401 - modules register routes
        views_designer,
        views_numbering,
        views_preview,
        views_rules,
    )
    from servicekit.designer.forms.blueprint import bp

    app.register_blueprint(bp)


__all__ = ["init_app"]
