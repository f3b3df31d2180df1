"""Front-end assets: integrity hashes match the npm files; local mode emits only local URLs."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from servicekit.platform.web.assets import PAGE_SCRIPTS, PAGE_STYLESHEETS, SCRIPTS, STYLESHEETS
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[3]
NODE_MODULES = ROOT / "node_modules"
STATIC = ROOT / "servicekit" / "platform" / "static"


def _sri(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


EVERY_ASSET = (
    STYLESHEETS + SCRIPTS + tuple(PAGE_SCRIPTS.values()) + tuple(PAGE_STYLESHEETS.values())
)


@pytest.mark.parametrize("asset", EVERY_ASSET, ids=lambda asset: asset.local_path)
def test_integrity_hashes_match_the_installed_files(asset) -> None:
    package_file = NODE_MODULES / asset.package / asset.npm_path
    if not package_file.exists() or not (STATIC / asset.local_path).exists():
        message = "run `npm ci && python scripts/vendor_assets.py` first"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    assert _sri(package_file) == asset.integrity
    assert _sri(STATIC / asset.local_path) == asset.integrity


def test_package_json_pins_the_versions_the_cdn_urls_use() -> None:
    import json

    dependencies = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for asset in EVERY_ASSET:
        assert dependencies[asset.package] == asset.version
    assert dependencies["htmx.org"].startswith("2.0.")


def test_local_mode_emits_only_local_urls(app, client, auth) -> None:
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "cdn.jsdelivr.net" not in page
    assert "/static/vendor/htmx/htmx.min.js" in page


def test_cdn_mode_has_integrity_and_a_local_fallback(database_url, tmp_path) -> None:
    from servicekit.platform.db import get_db
    from tests.conftest import make_test_app

    app = make_test_app(database_url, tmp_path / "inst", SERVICEKIT_ASSETS="cdn")
    try:
        page = app.test_client().get("/login").get_data(as_text=True)
    finally:
        get_db(app).dispose()
    for asset in STYLESHEETS + SCRIPTS:
        assert f'src="{asset.cdn_url}"' in page or f'href="{asset.cdn_url}"' in page
        assert f'integrity="{asset.integrity}"' in page
        assert f"/static/{asset.local_path}" in page
    assert 'crossorigin="anonymous"' in page
    assert "window.htmx || document.write(" in page
