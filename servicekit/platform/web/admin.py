"""Admin pages: users (create, edit, disable, reset password, roles) and teams.

Every route checks the ``admin`` platform role on the server; others get 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from servicekit.platform.accounts import (
    AccountError,
    add_team_member,
    create_team,
    create_user,
    get_user_by_login,
    grant_app_role,
    grant_platform_role,
    remove_team_member,
    revoke_app_role,
    revoke_platform_role,
    set_active,
    set_password,
    set_skills,
    update_user,
)
from servicekit.platform.db import get_session
from servicekit.platform.metadata import label_text
from servicekit.platform.models.accounts import PLATFORM_ROLES, Team, User
from servicekit.platform.models.apps import InstalledApp
from servicekit.platform.web._context import form_secret, form_text, me, now
from servicekit.platform.web.i18n import current_locale
from servicekit.platform.web.navigation import latest_published_body
from servicekit.platform.web.rendering import render

bp = Blueprint("admin", __name__, url_prefix="/admin")

_PAGE_SIZE = 200
_PROFILE_FIELDS = (
    "display_name",
    "email",
    "phone",
    "locale",
    "timezone",
    "region",
    "capacity",
    "home_lat",
    "home_lng",
)


@dataclass(frozen=True)
class AppRoles:
    """The roles an installed app declares, for the role grant form."""

    app_key: str
    app_label: str
    roles: tuple[tuple[str, str], ...]  # (role key, label)


@bp.before_request
def _admins_only() -> None:
    # The app-wide hook already sent anonymous visitors to sign in.
    if not me().is_admin:
        abort(403)


@bp.get("/")
def index() -> Response:
    return redirect(url_for("admin.users"))  # type: ignore[return-value]


@bp.get("/users")
def users() -> Response:
    """All users, filtered by ``q`` (login, name or email); htmx gets only the rows."""
    query = (request.args.get("q") or "").strip()[:100]
    statement = select(User).order_by(User.login).limit(_PAGE_SIZE)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(User.login).like(pattern),
                func.lower(User.display_name).like(pattern),
                func.lower(func.coalesce(User.email, "")).like(pattern),
            )
        )
    found = list(get_session().scalars(statement))
    return render("admin/users.html", "admin/_user_rows.html", users=found, q=query)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> Response:
    """Create a user with a first password and optional platform roles."""
    if request.method == "GET":
        return render("admin/user_new.html", values={})
    db = get_session()
    values = {
        name: form_text(name)
        for name in ("login", "display_name", "email", "phone", "locale", "timezone", "region")
    }
    roles = [role for role in request.form.getlist("platform_roles") if role in PLATFORM_ROLES]
    try:
        user = create_user(
            db,
            login=values["login"],
            display_name=values["display_name"],
            password=form_secret("password"),
            email=values["email"] or None,
            phone=values["phone"] or None,
            locale=values["locale"] or None,
            timezone=values["timezone"] or None,
            region=values["region"] or None,
            platform_roles=roles,
            now=now(),
        )
    except AccountError as exc:
        db.rollback()
        return render("admin/user_new.html", status=400, values=values, error=str(exc))
    db.commit()
    flash(_("User %(login)s was created.", login=user.login), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))  # type: ignore[return-value]


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> Response:
    """Edit a user's profile and dispatch attributes."""
    db = get_session()
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _edit_page(user)
    try:
        update_user(user, **{name: form_text(name) for name in _PROFILE_FIELDS})
        set_skills(db, user, _parse_skills(form_text("skills", 2000)))
    except AccountError as exc:
        db.rollback()
        return _edit_page(_user_or_404(user_id), status=400, error=str(exc))
    db.commit()
    flash(_("Changes saved."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))  # type: ignore[return-value]


@bp.route("/users/<int:user_id>/active", methods=["GET", "POST"])
def toggle_active(user_id: int) -> Response:
    """GET asks for confirmation; POST disables or enables the user."""
    db = get_session()
    user = _user_or_404(user_id)
    if request.method == "GET":
        return render("admin/confirm_active.html", user=user)
    if user.id == me().id:
        flash(_("You cannot disable your own account."), "danger")
        return redirect(url_for("admin.edit_user", user_id=user.id))  # type: ignore[return-value]
    set_active(db, user, not user.active)
    db.commit()
    if user.active:
        flash(_("User %(login)s can sign in again.", login=user.login), "success")
    else:
        flash(_("User %(login)s was disabled.", login=user.login), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))  # type: ignore[return-value]


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int) -> Response:
    """Set a new password chosen by the admin (to hand to the user)."""
    db = get_session()
    user = _user_or_404(user_id)
    try:
        set_password(db, user, form_secret("password"))
    except AccountError as exc:
        db.rollback()
        return _edit_page(_user_or_404(user_id), status=400, password_error=str(exc))
    db.commit()
    flash(_("The password of %(login)s was reset.", login=user.login), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))  # type: ignore[return-value]


@bp.post("/users/<int:user_id>/roles")
def save_roles(user_id: int) -> Response:
    """Grant exactly the checked platform roles and app roles."""
    db = get_session()
    user = _user_or_404(user_id)
    wanted_platform = set(request.form.getlist("platform_roles"))
    if user.id == me().id and "admin" not in wanted_platform:
        flash(_("You cannot remove your own admin role."), "danger")
        wanted_platform.add("admin")
    for role in PLATFORM_ROLES:
        if role in wanted_platform:
            grant_platform_role(db, user, role)
        else:
            revoke_platform_role(db, user, role)
    declared = {(app.app_key, key) for app in _app_roles() for key, _label in app.roles}
    wanted_app = {
        tuple(value.split(":", 1)) for value in request.form.getlist("app_roles") if ":" in value
    }
    for app_key, role in declared:
        if (app_key, role) in wanted_app:
            grant_app_role(db, user, app_key, role)
        else:
            revoke_app_role(db, user, app_key, role)
    db.commit()
    flash(_("Roles saved."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))  # type: ignore[return-value]


@bp.route("/teams", methods=["GET", "POST"])
def teams() -> Response:
    """List teams; POST creates one."""
    db = get_session()
    error = None
    if request.method == "POST":
        try:
            team = create_team(db, key=form_text("key", 40), name=form_text("name", 100))
        except AccountError as exc:
            db.rollback()
            error = str(exc)
        else:
            db.commit()
            flash(_("Team %(name)s was created.", name=team.name), "success")
            return redirect(url_for("admin.team", team_id=team.id))  # type: ignore[return-value]
    found = list(db.scalars(select(Team).order_by(Team.name)))
    return render("admin/teams.html", status=400 if error else 200, teams=found, error=error)


@bp.get("/teams/<int:team_id>")
def team(team_id: int) -> Response:
    """A team and its members."""
    return _team_page(_team_or_404(team_id))


@bp.post("/teams/<int:team_id>/members")
def add_member(team_id: int) -> Response:
    """Add the user named by login to the team."""
    db = get_session()
    found = _team_or_404(team_id)
    user = get_user_by_login(db, form_text("login", 64))
    if user is None:
        return _team_page(found, status=400, error=_("No user has that login name."))
    add_team_member(db, found, user)
    db.commit()
    return redirect(url_for("admin.team", team_id=team_id))  # type: ignore[return-value]


@bp.post("/teams/<int:team_id>/members/<int:user_id>/remove")
def remove_member(team_id: int, user_id: int) -> Response:
    """Take a user out of the team."""
    db = get_session()
    remove_team_member(db, _team_or_404(team_id), user_id)
    db.commit()
    return redirect(url_for("admin.team", team_id=team_id))  # type: ignore[return-value]


def _team_page(found: Team, status: int = 200, error: str | None = None) -> Response:
    ids = [member.user_id for member in found.members]
    members = list(get_session().scalars(select(User).where(User.id.in_(ids)).order_by(User.login)))
    return render("admin/team.html", status=status, team=found, members=members, error=error)


def _edit_page(user: User, status: int = 200, **extra: object) -> Response:
    skills = ", ".join(f"{skill.skill}:{skill.level}" for skill in user.skills)
    return render(
        "admin/user_edit.html",
        status=status,
        user=user,
        skills=skills,
        app_roles=_app_roles(),
        platform_roles=PLATFORM_ROLES,
        **extra,
    )


def _app_roles() -> list[AppRoles]:
    """Roles declared by each installed app's latest published app metadata."""
    db = get_session()
    locale = current_locale()
    result = []
    for app in db.scalars(select(InstalledApp).order_by(InstalledApp.position, InstalledApp.key)):
        body = latest_published_body(db, app.key, "app", app.key)
        body = body if isinstance(body, dict) else {}
        roles = tuple(
            (str(role["key"]), label_text(role.get("label"), locale) or str(role["key"]))
            for role in body.get("roles") or []
            if isinstance(role, dict) and isinstance(role.get("key"), str)
        )
        result.append(AppRoles(app.key, label_text(body.get("label"), locale) or app.key, roles))
    return result


def _parse_skills(text: str) -> dict[str, int]:
    """``"repair:3, install"`` → ``{"repair": 3, "install": 1}``."""
    skills: dict[str, int] = {}
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        name, _sep, level = part.partition(":")
        try:
            skills[name.strip()] = int(level) if level.strip() else 1
        except ValueError as exc:
            raise AccountError(
                _("Skills: write each as name:level, for example repair:3."), "skills"
            ) from exc
    return skills


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _team_or_404(team_id: int) -> Team:
    found = get_session().get(Team, team_id)
    if found is None:
        abort(404)
    return found
