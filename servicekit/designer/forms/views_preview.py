"""Preview routes: the draft form as end users will fill it, recalculated as it is typed.

``GET  .../forms/<key>/preview``              the form (a fragment for the designer page)
``POST .../forms/<key>/preview/recalculate``  formula values and changed field states (htmx)
"""

from __future__ import annotations

from flask import abort, request
from werkzeug.wrappers import Response

from servicekit.designer.forms.blueprint import bp
from servicekit.designer.forms.documents import MAX_KEY, app_exists
from servicekit.designer.forms.preview import PreviewUnavailable, preview_scope
from servicekit.platform.db import get_session
from servicekit.platform.web.rendering import render
from servicekit.workspace.records.formview import editable_fields, form_view, merge_raw
from servicekit.workspace.records.inputs import raw_from_values, read_form


def _scope(app_key: str, form_key: str):  # type: ignore[no-untyped-def]
    session = get_session()
    if not app_exists(session, app_key[:MAX_KEY]):
        abort(404)
    return preview_scope(session, app_key[:MAX_KEY], form_key[:MAX_KEY])


@bp.get("/apps/<app_key>/forms/<form_key>/preview")
def preview(app_key: str, form_key: str) -> Response:
    """The draft form with its defaults, ready to fill in."""
    try:
        scope = _scope(app_key, form_key)
    except PreviewUnavailable as exc:
        return render("designer/forms/_preview_unavailable.html", status=422, reason=str(exc))
    defaults = scope.runtime.logic.default_values(scope.context())
    raw = raw_from_values(scope.form, defaults, scope.tz)
    return render(
        "designer/forms/_preview.html",
        view=form_view(scope, raw, defaults, record=None),
        app_key=app_key,
        form_key=form_key,
    )


@bp.post("/apps/<app_key>/forms/<form_key>/preview/recalculate")
def preview_recalculate(app_key: str, form_key: str) -> Response:
    """What the workspace's recalculation answers, for the draft: formulas and field states."""
    try:
        scope = _scope(app_key, form_key)
    except PreviewUnavailable as exc:
        return render("designer/forms/_preview_unavailable.html", status=422, reason=str(exc))
    result = read_form(scope.form, request.form, scope.tz, accepted=editable_fields(scope))
    base = scope.runtime.logic.default_values(scope.context())
    values = {**base, **result.values}
    shown = merge_raw(raw_from_values(scope.form, base, scope.tz), result.raw)
    view = form_view(scope, shown, values, record=None)
    changed = view.changed_fields(request.form.get("_fieldstate", "")[:5000])
    return render(
        "records/_recalculated.html",
        view=view,
        changed=changed,
        app_key=app_key,
        form_key=form_key,
    )
