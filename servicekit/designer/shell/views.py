"""The shell's pages: the list of apps (the designer's home)."""

from __future__ import annotations

from flask import Blueprint, Response

from servicekit.designer.shell import apps
from servicekit.platform.db import get_session
from servicekit.platform.web import render
from servicekit.platform.web.i18n import current_locale

bp = Blueprint(
    "designer_shell",
    __name__,
    url_prefix="/designer",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.get("/")
def index() -> Response:
    """Every app a builder can edit: installed ones and those that exist only as drafts."""
    return render("designer/shell/index.html", apps=apps.list_apps(get_session(), current_locale()))
