"""The app pages of the designer: the list of apps, a new app, the app editor, export, deletion."""

from __future__ import annotations

import re

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from servicekit.designer.shell import apps, drafts
from servicekit.designer.shell.blueprint import bp
from servicekit.designer.shell.export import package_zip
from servicekit.platform.clock import Clock
from servicekit.platform.db import get_db, get_session
from servicekit.platform.metadata.documents import FOLDERS
from servicekit.platform.models import InstalledApp
from servicekit.platform.registry import Registry
from servicekit.platform.web import render
from servicekit.platform.web.i18n import current_locale

_ICON = re.compile(r"[a-z0-9-]{1,40}")
MAX_LABEL = 100
MAX_ROLES = 100


def _clock() -> Clock:
    return current_app.extensions["servicekit.clock"]  # type: ignore[no-any-return]


def _registry() -> Registry:
    return current_app.extensions["servicekit.registry"]  # type: ignore[no-any-return]


def _installed(app_key: str) -> bool:
    """Whether the app is installed (published at least once), not only a draft."""
    return (
        get_session().scalar(select(InstalledApp.id).where(InstalledApp.key == app_key)) is not None
    )


def _app_or_404(app_key: str) -> None:
    if not drafts.valid_key(app_key) or not drafts.app_exists(get_session(), app_key):
        abort(404)


def _kind_or_404(kinds: str) -> str:
    kind = drafts.normalize_kind(kinds)
    if kind is None or kind == "app":
        abort(404)
    return kind


@bp.get("/")
def index() -> Response:
    """Every app a builder can edit: installed ones and those that exist only as drafts."""
    deleted = request.args.get("deleted", "")
    return render(
        "designer/shell/index.html",
        apps=apps.list_apps(get_session(), current_locale()),
        deleted=deleted if drafts.valid_key(deleted) else None,
    )


def _parse_roles(text: str) -> tuple[list[dict[str, object]], list[str]]:
    """Roles from lines ``key, 中文名, English name``; errors name the line."""
    roles: list[dict[str, object]] = []
    errors: list[str] = []
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ROLES:
        return [], [_("At most %(num)d roles are allowed.", num=MAX_ROLES)]
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(",")]
        key = parts[0]
        zh = parts[1] if len(parts) > 1 and parts[1] else key
        en = parts[2] if len(parts) > 2 and parts[2] else zh
        if not drafts.valid_key(key):
            errors.append(
                _(
                    "Line %(line)d: '%(key)s' is not a valid role key; use lowercase letters, "
                    "digits and underscores, starting with a letter.",
                    line=number,
                    key=key[:40],
                )
            )
        elif key in seen:
            errors.append(
                _("Line %(line)d: the role '%(key)s' is listed twice.", line=number, key=key)
            )
        seen.add(key)
        roles.append({"key": key, "label": {"zh": zh[:MAX_LABEL], "en": en[:MAX_LABEL]}})
    return roles, errors


@bp.route("/apps/new", methods=["GET", "POST"])
def new_app() -> Response:
    """Create an app: it starts as drafts and is installed when first published."""
    values = {
        k: request.form.get(k, "").strip() for k in ("key", "label_zh", "label_en", "icon", "roles")
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        key = values["key"]
        if not drafts.valid_key(key):
            errors["key"] = _(
                "Use lowercase letters, digits and underscores, starting with a letter "
                "(at most 40 characters)."
            )
        elif drafts.app_exists(get_session(), key):
            errors["key"] = _("An app with this key already exists.")
        for name in ("label_zh", "label_en"):
            if not values[name]:
                errors[name] = _("Enter the app's name.")
            elif len(values[name]) > MAX_LABEL:
                errors[name] = _("At most %(num)d characters.", num=MAX_LABEL)
        if values["icon"] and not _ICON.fullmatch(values["icon"]):
            errors["icon"] = _("Use a Bootstrap Icons name such as tools or person-badge.")
        roles, role_errors = _parse_roles(values["roles"])
        if role_errors:
            errors["roles"] = " ".join(role_errors)
        if not errors:
            body = apps.new_app_body(
                key, values["label_zh"], values["label_en"], values["icon"], roles
            )
            with get_db().transaction() as session:
                drafts.save_checked(
                    session,
                    key,
                    "app",
                    key,
                    body,
                    "",
                    author_id=current_user.id,
                    now=_clock().now(),
                    registry=_registry(),
                )
            flash(_("The app was created as a draft; publish it to make it available."), "success")
            return redirect(url_for("designer_shell.app_editor", app_key=key))  # type: ignore[return-value]
    status = 422 if errors else 200
    return render("designer/shell/new_app.html", values=values, errors=errors, status=status)


@bp.get("/apps/<app_key>")
def app_editor(app_key: str) -> Response:
    """An app's documents, its navigation order, publishing, export and deletion."""
    _app_or_404(app_key)
    session = get_session()
    locale = current_locale()
    installed = _installed(app_key)
    checked = drafts.check_in_app(
        session, app_key, "app", app_key, apps.app_body(session, app_key), _registry()
    )
    deleted = request.args.get("deleted", "")
    kinds, _sep, deleted_key = deleted.partition("/")
    undo = None
    if drafts.normalize_kind(kinds) and drafts.valid_key(deleted_key):
        undo = {"kinds": kinds, "key": deleted_key}
    return render(
        "designer/shell/app.html",
        app_key=app_key,
        undo=undo,
        body=apps.app_body(session, app_key),
        documents=apps.app_documents(session, app_key, locale),
        installed=installed,
        folders=FOLDERS,
        visual=apps.VISUAL_EDITORS,
        draft_url=url_for("designer_shell_api.get_draft", app_key=app_key, kind="app", key=app_key),
        problems=checked.mine + checked.others,
    )


@bp.post("/apps/<app_key>/documents")
def new_document(app_key: str) -> Response:
    """Start a new form, workflow, report, ... as a draft and open its editor."""
    _app_or_404(app_key)
    kind = drafts.normalize_kind(request.form.get("kind", ""))
    key = request.form.get("key", "").strip()
    if kind is None or kind == "app":
        abort(400)
    if not drafts.valid_key(key):
        flash(
            _(
                "'%(key)s' is not a valid key; use lowercase letters, digits and underscores, starting with a letter.",
                key=key[:40],
            ),
            "danger",
        )
        return redirect(url_for("designer_shell.app_editor", app_key=app_key))  # type: ignore[return-value]
    session = get_session()
    if drafts.load_state(session, app_key, kind, key).exists:
        flash(_("There is already a document with the key '%(key)s'.", key=key), "danger")
        return redirect(url_for("designer_shell.app_editor", app_key=app_key))  # type: ignore[return-value]
    with get_db().transaction() as writing:
        drafts.save_checked(
            writing,
            app_key,
            kind,
            key,
            drafts.starter_body(app_key, kind, key),
            "",
            author_id=current_user.id,
            now=_clock().now(),
            registry=_registry(),
        )
    return redirect(document_url(app_key, kind, key))  # type: ignore[return-value]


def document_url(app_key: str, kind: str, key: str) -> str:
    """The editor of a document: the visual editor where there is one, else the JSON view."""
    folder = FOLDERS.get(kind, kind)
    if kind in apps.VISUAL_EDITORS:
        return f"{url_for('designer_shell.index')}apps/{app_key}/{folder}/{key}"
    return url_for("designer_shell.json_view", app_key=app_key, kinds=folder, key=key)


@bp.get("/apps/<app_key>/export")
def export_package(app_key: str) -> Response:
    """Download the app's published version as a package zip."""
    _app_or_404(app_key)
    session = get_session()
    if not _installed(app_key):
        flash(_("Publish the app before exporting it."), "warning")
        return redirect(url_for("designer_shell.app_editor", app_key=app_key))  # type: ignore[return-value]
    data = package_zip(session, app_key)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{app_key}.zip"'
    return response


@bp.route("/apps/<app_key>/<kinds>/<key>/draft/delete", methods=["GET", "POST"])
def delete_draft(app_key: str, kinds: str, key: str) -> Response:
    """Ask, then set a draft aside; the message after it offers to undo."""
    _app_or_404(app_key)
    kind = drafts.normalize_kind(kinds) or abort(404)
    if request.method == "GET":
        if drafts.find_draft(get_session(), app_key, kind, key) is None:
            abort(404)
        return render(
            "designer/shell/confirm_delete.html", app_key=app_key, kinds=kinds, key=key, kind=kind
        )
    with get_db().transaction() as session:
        found = apps.discard_draft(session, app_key, kind, key)
    if not found:
        abort(404)
    # The app editor shows the message with an Undo button for this document.
    target = url_for("designer_shell.app_editor", app_key=app_key, deleted=f"{kinds}/{key}")
    return redirect(target)  # type: ignore[return-value]


@bp.post("/apps/<app_key>/<kinds>/<key>/draft/undo")
def undo_delete(app_key: str, kinds: str, key: str) -> Response:
    """Bring back a deleted draft (unless a new draft was started since)."""
    kind = drafts.normalize_kind(kinds) or abort(404)
    with get_db().transaction() as session:
        restored = apps.undo_discard(session, app_key, kind, key)
    if restored:
        flash(_("The draft of '%(key)s' is back.", key=key), "success")
    else:
        flash(_("The draft could not be brought back: a newer draft exists."), "warning")
    return redirect(url_for("designer_shell.app_editor", app_key=app_key))  # type: ignore[return-value]


@bp.route("/apps/<app_key>/delete", methods=["GET", "POST"])
def delete_app(app_key: str) -> Response:
    """Ask, then set aside every draft of an app that was never published (undo brings it back)."""
    _app_or_404(app_key)
    if _installed(app_key):
        flash(_("A published app is removed by uninstalling it, not from the designer."), "warning")
        return redirect(url_for("designer_shell.app_editor", app_key=app_key))  # type: ignore[return-value]
    if request.method == "GET":
        return render(
            "designer/shell/confirm_delete.html", app_key=app_key, kinds="", key="", kind=""
        )
    with get_db().transaction() as writing:
        apps.discard_app(writing, app_key)
    return redirect(url_for("designer_shell.index", deleted=app_key))  # type: ignore[return-value]


@bp.post("/apps/<app_key>/undo-delete")
def undo_delete_app(app_key: str) -> Response:
    """Bring back the drafts of a deleted, never-published app."""
    if not drafts.valid_key(app_key):
        abort(404)
    with get_db().transaction() as session:
        count = apps.undo_discard_app(session, app_key)
    if not count:
        abort(404)
    flash(_("The app '%(app)s' is back.", app=app_key), "success")
    return redirect(url_for("designer_shell.app_editor", app_key=app_key))  # type: ignore[return-value]
