"""The form designer page and the live preview of a draft, through the test client."""

from __future__ import annotations

import json
import re

from servicekit.designer.forms.palette import PALETTE
from servicekit.platform.db import get_db
from servicekit.platform.metadata.forms import FIELD_TYPES
from servicekit.platform.metadata.store import save_draft
from tests.designer.forms.conftest import APP, REQUEST


def _config(page: str) -> dict:
    match = re.search(r'data-config="([^"]+)"', page)
    assert match
    return json.loads(match.group(1).replace("&#34;", '"').replace("&amp;", "&"))


def test_palette_offers_every_field_type_the_platform_stores() -> None:
    assert sorted(item.type for item in PALETTE) == sorted(FIELD_TYPES)


def test_designer_page_lists_palette_forms_and_fixed_keys(seeded, client, auth) -> None:
    auth.login()
    page = client.get(f"/designer/apps/{APP}/forms/request")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for item in PALETTE:
        assert f'data-type="{item.type}"' in text
    config = _config(text)
    assert config["publishedKeys"] == []  # the request form was never published
    assert set(config["forms"]) == {"customer", "request"}
    assert [f["key"] for f in config["forms"]["customer"]["fields"]] == ["name", "level"]


def test_published_keys_are_fixed(seeded, client, auth) -> None:
    auth.login()
    config = _config(client.get(f"/designer/apps/{APP}/forms/customer").get_data(as_text=True))
    assert config["publishedKeys"] == ["level", "name"]


def test_unknown_app_or_bad_key_is_404(seeded, client, auth) -> None:
    auth.login()
    assert client.get("/designer/apps/nothing/forms/request").status_code == 404
    assert client.get(f"/designer/apps/{APP}/forms/Bad-Key").status_code == 404


def _with_formula(app) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(json.dumps(REQUEST))
    body["fields"].append(
        {
            "key": "total",
            "type": "formula",
            "label": {"zh": "合计", "en": "Total"},
            "expr": "qty * price",
            "result_type": "decimal",
            "scale": 2,
        }
    )
    body["fields"][0]["visible_if"] = 'priority = "urgent"'
    now = app.extensions["servicekit.clock"].now()
    with get_db(app).transaction() as session:
        save_draft(session, APP, "form", "request", body, author_id=None, now=now)


def test_preview_draws_the_draft_and_recalculates_formulas_and_conditions(
    seeded, app, client, auth
) -> None:
    _with_formula(app)
    auth.login()
    page = client.get(f"/designer/apps/{APP}/forms/request/preview")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="out-total"' in text
    assert "preview/recalculate" in text
    token = auth.csrf_token()
    state = re.search(r'name="_fieldstate" id="fieldstate" value="([^"]*)"', text).group(1)
    answer = client.post(
        f"/designer/apps/{APP}/forms/request/preview/recalculate",
        data={
            "csrf_token": token,
            "f-qty": "3",
            "f-price": "2.50",
            "f-priority": "urgent",
            "_fieldstate": state,
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert re.search(r'id="out-total"[^>]*>\s*7\.50\s*<', body)
    # The subject was hidden until the priority became urgent: it comes back shown.
    assert 'class="mb-3 sk-field d-none" id="fld-subject"' in text
    assert re.search(r'class="mb-3 sk-field" id="fld-subject"[^>]*hx-swap-oob="true"', body)


def test_preview_of_a_broken_draft_says_why(seeded, app, client, auth) -> None:
    body = json.loads(json.dumps(REQUEST))
    body["fields"].append(
        {"key": "bad", "type": "formula", "label": "Bad", "expr": "qty +", "result_type": "text"}
    )
    now = app.extensions["servicekit.clock"].now()
    with get_db(app).transaction() as session:
        save_draft(session, APP, "form", "request", body, author_id=None, now=now)
    auth.login()
    page = client.get(f"/designer/apps/{APP}/forms/request/preview")
    assert page.status_code == 422
    assert "sk-fd-preview-unavailable" in page.get_data(as_text=True)


def test_preview_recalculation_needs_csrf(seeded, client, auth) -> None:
    auth.login()
    answer = client.post(f"/designer/apps/{APP}/forms/request/preview/recalculate", data={})
    assert answer.status_code == 400
