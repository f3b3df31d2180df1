"""Languages of the UI (Simplified Chinese first, English) and the language switch.

The choice is remembered on the user (when signed in) and in the session cookie.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import Blueprint, Flask, Response, current_app, redirect, request, session, url_for
from flask_babel import Babel, get_locale
from flask_login import current_user

from servicekit.platform.config import SUPPORTED_LOCALES
from servicekit.platform.db import get_session
from servicekit.platform.web.security import is_safe_redirect, public

# Babel expands the locale ``zh_CN`` to ``zh_Hans_CN`` before looking for a catalog, so the
# Simplified Chinese catalog lives in ``translations/zh_Hans_CN``; users still see ``zh_CN``.
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
# Each part of ServiceKit with pages keeps its own catalogs (``<package>/translations``);
# Flask-Babel merges them, so teams add strings without touching each other's files.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def translation_directories() -> list[Path]:
    """The platform's catalogs first, then every other ``translations`` folder in the package."""
    others = sorted(
        p for p in PACKAGE_ROOT.glob("*/**/translations") if p.is_dir() and p != TRANSLATIONS
    )
    return [TRANSLATIONS, *others]


# Shown in the switch in the language itself, so a reader can always find their own.
LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The signed-in user's language, else the session's choice, else the site default."""
    if current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    return str(current_app.config["SERVICEKIT_LOCALE"])


def current_locale() -> str:
    """The locale of this request as one of ``SUPPORTED_LOCALES`` (``zh_CN`` or ``en``).

    Babel reports ``zh_CN`` as ``zh_Hans_CN``; templates and metadata labels want our codes.
    """
    locale = get_locale()
    if locale is None:
        return str(current_app.config["SERVICEKIT_LOCALE"])
    for code in SUPPORTED_LOCALES:
        if _parsed(code) == locale:
            return code
    return "zh_CN" if locale.language == "zh" else "en"


@lru_cache(maxsize=8)
def _parsed(code: str) -> Locale:
    # Parsing looks through Babel's locale data on disk (about a millisecond), and pages
    # ask for the locale several times per request.
    return Locale.parse(code)


@bp.post("/language")
@public
def switch_language() -> Response:
    """Remember the chosen language and go back to the page the switch was on."""
    locale = request.form.get("locale", "")
    if locale in SUPPORTED_LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            db = get_session()
            user = db.merge(current_user._get_current_object())  # type: ignore[attr-defined]
            user.locale = locale
            db.commit()
    target = request.form.get("next", "")
    if not is_safe_redirect(target):
        target = url_for("home.index")
    if request.headers.get("HX-Request") == "true":
        # Every string on the page changes: ask htmx to reload it whole.
        response = Response(status=204)
        response.headers["HX-Refresh"] = "true"
        return response
    return redirect(target)  # type: ignore[return-value]


def init_i18n(app: Flask) -> None:
    """Install Flask-Babel with ServiceKit's catalogs and the language switch."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(folder) for folder in translation_directories()
    )
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["SERVICEKIT_LOCALE"])
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_locale"] = current_locale
