"""The signed-in user's home page and the app pages (form pages live in the workspace)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, abort, current_app
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from servicekit.platform.db import get_session
from servicekit.platform.web.i18n import current_locale
from servicekit.platform.web.navigation import find_app, installed_apps
from servicekit.platform.web.rendering import render

bp = Blueprint("home", __name__)

_CARDS = "servicekit.home_cards"

# Renders a card for the signed-in user, or None when it has nothing to say to them.
HomeCard = Callable[[Any], Markup | str | None]


def add_home_card(app: Flask, card: HomeCard) -> None:
    """Show ``card`` at the top of every user's home page (e.g. the task inbox's summary).

    The platform does not know the packages that add cards; each card checks what the
    user may see itself.
    """
    app.extensions.setdefault(_CARDS, []).append(card)


def _cards_for(user: Any) -> list[Markup]:
    shown = []
    for card in current_app.extensions.get(_CARDS, []):
        html = card(user)
        if html:
            shown.append(Markup(html))
    return shown


@bp.get("/")
def index() -> Response:
    """The user's cards (work waiting for them), then installed apps, or how to install one."""
    return render(
        "home/index.html",
        cards=_cards_for(current_user),
        apps=installed_apps(get_session(), current_locale()),
    )


@bp.get("/apps/<app_key>")
def app_page(app_key: str) -> Response:
    """An app's label, description and navigation entries."""
    app = find_app(get_session(), app_key[:40], current_locale())
    if app is None:
        abort(404)
    return render("home/app.html", app=app)
