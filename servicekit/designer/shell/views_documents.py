"""Pages for one document of any kind: version history with diff and restore, and the JSON view."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from servicekit.designer.shell import drafts
from servicekit.designer.shell.blueprint import bp
from servicekit.designer.shell.diff import diff
from servicekit.platform.db import get_db, get_session
from servicekit.platform.metadata.store import get_version, list_versions
from servicekit.platform.models import User
from servicekit.platform.web import render

# The JSON view refuses text longer than a draft may be.
MAX_TEXT = drafts.MAX_DRAFT_BYTES


def _document(app_key: str, kinds: str, key: str) -> str:
    """The singular kind of a valid document URL of an existing app (404 otherwise)."""
    kind = drafts.normalize_kind(kinds)
    if kind is None or not drafts.valid_key(app_key) or not drafts.valid_key(key):
        abort(404)
    if kind == "app" and key != app_key:
        abort(404)
    if not drafts.app_exists(get_session(), app_key):
        abort(404)
    return kind


def _authors(ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    users = get_session().query(User).filter(User.id.in_(wanted))
    return {user.id: user.display_name for user in users}


def _body_of(app_key: str, kind: str, key: str, which: str) -> Any:
    """A version's body by number, or the current draft for ``draft``; 404 if missing."""
    session = get_session()
    if which == "draft":
        draft = drafts.find_draft(session, app_key, kind, key)
        if draft is None:
            abort(404)
        return draft.body
    if not which.isdigit():
        abort(404)
    version = get_version(session, app_key, kind, key, int(which))
    if version is None:
        abort(404)
    return version.body


def _publishing(app_key: str, kind: str, key: str, revision: str) -> dict[str, str]:
    """The base layout's Publish button, for a document that has a draft."""
    if not revision:
        return {}
    url = url_for("designer_shell_publish.publish_one", app_key=app_key, kind=kind, key=key)
    return {"publish_url": url, "publish_revision": revision}


@bp.get("/apps/<app_key>/<kinds>/<key>/history")
def history(app_key: str, kinds: str, key: str) -> Response:
    """Who published which version when; the difference between two versions."""
    kind = _document(app_key, kinds, key)
    session = get_session()
    versions = list_versions(session, app_key, kind, key)
    draft = drafts.find_draft(session, app_key, kind, key)
    authors = _authors({v.author_id for v in versions} | {draft.author_id if draft else None})
    old, new = request.args.get("a", ""), request.args.get("b", "")
    if not old and len(versions) >= 2:
        old, new = str(versions[1].version), str(versions[0].version)
    changes = None
    if old and new:
        changes = diff(_body_of(app_key, kind, key, old), _body_of(app_key, kind, key, new))
    return render(
        "designer/shell/history.html",
        app_key=app_key,
        kind=kind,
        kinds=kinds,
        key=key,
        versions=versions,
        draft=draft,
        authors=authors,
        old=old,
        new=new,
        changes=changes,
        **_publishing(app_key, kind, key, draft.checksum if draft else ""),
    )


@bp.post("/apps/<app_key>/<kinds>/<key>/history/<int:version>/restore")
def restore(app_key: str, kinds: str, key: str, version: int) -> Response:
    """Make an old version the draft again (the current draft, if any, is replaced)."""
    kind = _document(app_key, kinds, key)
    with get_db().transaction() as session:
        old = get_version(session, app_key, kind, key, version)
        if old is None:
            abort(404)
        current = drafts.find_draft(session, app_key, kind, key)
        drafts.save_checked(
            session,
            app_key,
            kind,
            key,
            old.body,
            current.checksum if current else "",
            author_id=current_user.id,
            now=current_app.extensions["servicekit.clock"].now(),
            registry=current_app.extensions["servicekit.registry"],
        )
    flash(
        _("Version %(num)d is now the draft; publish it to make it current.", num=version),
        "success",
    )
    return redirect(url_for("designer_shell.history", app_key=app_key, kinds=kinds, key=key))  # type: ignore[return-value]


def _syntax_error(error: json.JSONDecodeError) -> str:
    return _(
        "Line %(line)d, column %(column)d: %(message)s",
        line=error.lineno,
        column=error.colno,
        message=error.msg,
    )


@bp.route("/apps/<app_key>/<kinds>/<key>/json", methods=["GET", "POST"])
def json_view(app_key: str, kinds: str, key: str) -> Response:
    """The document as JSON text: edit it and save the draft, with errors by JSON path."""
    kind = _document(app_key, kinds, key)
    session = get_session()
    registry = current_app.extensions["servicekit.registry"]
    state = drafts.load_state(session, app_key, kind, key)
    if not state.exists:
        abort(404)
    context: dict[str, Any] = {"app_key": app_key, "kind": kind, "kinds": kinds, "key": key}
    if request.method == "GET":
        checked = drafts.check_in_app(session, app_key, kind, key, state.body, registry)
        text = json.dumps(state.body, ensure_ascii=False, indent=2, sort_keys=True)
        return render(
            "designer/shell/json.html",
            **context,
            **_publishing(app_key, kind, key, state.revision),
            text=text,
            revision=state.revision,
            problems=checked.mine + checked.others,
            syntax_error=None,
            error_offset=None,
            conflict=None,
        )
    # Browsers send a textarea's line breaks as CRLF; offsets must match what the page shows.
    text = request.form.get("text", "").replace("\r\n", "\n")
    # "Overwrite with mine" after a conflict sends the other builder's revision.
    overwrite = request.form.get("overwrite")
    if overwrite is not None:
        revision = "" if overwrite == "none" else overwrite  # "none": their draft was removed
    else:
        revision = request.form.get("revision", "")
    syntax_error: str | None = None
    error_offset: int | None = None
    conflict: drafts.Conflict | None = None
    body: Any = None
    if len(text.encode("utf-8")) > MAX_TEXT:
        syntax_error = _("The document is too large to save.")
    else:
        try:
            body = json.loads(text)
        except json.JSONDecodeError as error:
            syntax_error = _syntax_error(error)
            error_offset = error.pos
        else:
            if not isinstance(body, dict):
                syntax_error = _("The document must be a JSON object ({ … }).")
    if syntax_error is None:
        try:
            with get_db().transaction() as writing:
                drafts.save_checked(
                    writing,
                    app_key,
                    kind,
                    key,
                    body,
                    revision,
                    author_id=current_user.id,
                    now=current_app.extensions["servicekit.clock"].now(),
                    registry=registry,
                )
            flash(_("Saved."), "success")
            target = url_for("designer_shell.json_view", app_key=app_key, kinds=kinds, key=key)
            return redirect(target)  # type: ignore[return-value]
        except drafts.Conflict as error:
            conflict = error
    status = 409 if conflict else 422
    return render(
        "designer/shell/json.html",
        **context,
        text=text,
        revision=revision,
        problems=[],
        syntax_error=syntax_error,
        error_offset=error_offset,
        conflict=conflict,
        theirs_text=json.dumps(conflict.body, ensure_ascii=False, indent=2, sort_keys=True)
        if conflict
        else None,
        status=status,
    )
