"""The shell's page blueprint (``designer_shell``), shared by its view modules."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "designer_shell",
    __name__,
    url_prefix="/designer",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.app_template_filter("designer_label")
def designer_label(value: object) -> str:
    """A translatable label (``{"zh", "en"}`` or text) in the reader's language."""
    from servicekit.platform.metadata import label_text
    from servicekit.platform.web.i18n import current_locale

    return label_text(value, current_locale()) or ""


@bp.app_template_global("document_url")
def document_url(app_key: str, kind: str, key: str) -> str:
    """Where a document is edited (the visual editor if there is one, else the JSON view)."""
    from servicekit.designer.shell.views_apps import document_url as url

    return url(app_key, kind, key)
