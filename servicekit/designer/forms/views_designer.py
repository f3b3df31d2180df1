"""The form designer page: palette, canvas and properties panel around the shell's draft API.

The page itself carries only what the scripts cannot fetch from the draft API: the
palette, translated words, which keys are already published (and so fixed), and the
app's other forms for lookups. The body is loaded and autosaved by the shell's script.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from werkzeug.wrappers import Response

from servicekit.designer.forms.blueprint import bp
from servicekit.designer.forms.documents import (
    app_roles,
    fields_of,
    published_keys,
    working_forms,
)
from servicekit.designer.forms.guards import form_session
from servicekit.designer.forms.palette import GROUPS, PALETTE
from servicekit.designer.forms.texts import designer_texts
from servicekit.platform.metadata.forms import label_text
from servicekit.platform.web.i18n import current_locale
from servicekit.platform.web.rendering import render


def form_catalog(bodies: dict[str, Any], locale: str) -> dict[str, Any]:
    """The app's forms for lookup pickers: label and stored fields of each."""
    return {
        key: {
            "label": label_text(body.get("label"), locale) if isinstance(body, dict) else key,
            "fields": [
                {"key": f["key"], "label": f.get("label"), "type": f.get("type")}
                for f in fields_of(body)
                if f.get("type") != "subform"
            ],
        }
        for key, body in sorted(bodies.items())
    }


@bp.get("/apps/<app_key>/forms/<form_key>")
def form_designer(app_key: str, form_key: str) -> Response:
    """The three-pane form designer for one form (new or existing) of an app."""
    session = form_session(app_key, form_key)
    locale = current_locale()
    bodies = working_forms(session, app_key)
    return render(
        "designer/forms/designer.html",
        app_key=app_key,
        form_key=form_key,
        draft_url=f"/designer/api/apps/{app_key}/form/{form_key}/draft?new=1",
        palette=PALETTE,
        groups=GROUPS,
        config={
            "app": app_key,
            "form": form_key,
            "locale": locale,
            "publishedKeys": sorted(published_keys(session, app_key, form_key)),
            "forms": form_catalog(bodies, locale),
            "roles": [
                [key, label_text(label, locale) or key]
                for key, label in app_roles(session, app_key)
            ],
            "checkUrl": url_for("designer_forms.check_rule_view", app_key=app_key),
            "previewUrl": url_for("designer_forms.preview", app_key=app_key, form_key=form_key),
            "numberingUrl": url_for(
                "designer_forms.numbering_preview_view", app_key=app_key, form_key=form_key
            ),
            "texts": designer_texts(),
        },
    )
