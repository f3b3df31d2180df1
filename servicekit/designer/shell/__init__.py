"""The designer's shared shell: access, layout, drafts, JSON view, publishing and history.

Editors (forms, workflows, reports) use :func:`designer_required` / the app-wide access
check from :mod:`.access`, extend ``designer/shell/base.html`` and talk to the draft API
through ``designer-draft.js``.
"""

from __future__ import annotations

from flask import Flask

from servicekit.designer.shell.access import can_design, designer_required


def init_app(app: Flask) -> None:
    """Register the access check, the draft API, the shell pages and the Designer link."""
    # Importing the view modules registers their routes on the shared blueprint.
    from servicekit.designer.shell import (  # noqa: F401
        access,
        api,
        blueprint,
        publish_api,
        views_apps,
        views_documents,
    )
    from servicekit.platform.web import add_nav_link

    access.init_access(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(publish_api.bp)
    app.register_blueprint(blueprint.bp)
    # "Designer" is translated in this package's catalog.
    add_nav_link(app, "designer_shell.index", "Designer", "vector-pen", visible=can_design)


__all__ = ["can_design", "designer_required", "init_app"]
