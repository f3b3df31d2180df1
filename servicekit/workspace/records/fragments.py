"""Parts of the list page that change only with the form version, the language and the
reader's visible fields: the column chooser and the filter builder.

They list every field the reader may see, with its caption in the reader's language and
the operators in words; rendering them is a fair share of the list page, so each is
rendered once per form version, language, visible fields and chosen state and then kept
(a bounded cache per app). A republished form has a new version, a switched language a
new locale and changed rights other visible fields, so each of those renders afresh.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import current_app
from markupsafe import Markup

_KEY = "servicekit.records.fragments"
# Most lists show their default columns and an empty filter row, so few entries are hot;
# the bound only keeps odd filter values from growing the cache without end.
_KEPT = 512


def cached_fragment(template: str, key: tuple[Hashable, ...], **context: Any) -> Markup:
    """``template`` rendered with ``context``, reused for the same ``key``.

    ``key`` must name everything the output depends on besides the template itself: the
    form's version, the locale and the fields and values the fragment shows.
    """
    cache: dict[tuple[Hashable, ...], Markup] = current_app.extensions.setdefault(_KEY, {})
    full = (template, *key)
    html = cache.get(full)
    if html is None:
        if len(cache) >= _KEPT:
            cache.clear()
        rendered = current_app.jinja_env.get_template(template).render(**context)
        html = cache[full] = Markup(rendered)  # noqa: S704 - an autoescaped template's output
    return html


def clear_fragments() -> None:
    """Forget every kept fragment (tests, and after a catalog update)."""
    current_app.extensions.pop(_KEY, None)
