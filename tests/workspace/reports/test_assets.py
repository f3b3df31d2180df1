"""ECharts: pinned in package.json, vendored with a matching hash, CDN tag with a local fallback."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from flask import Flask

from servicekit.platform.web.assets import PAGE_SCRIPTS, script_tags
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[3]
ECHARTS = PAGE_SCRIPTS["echarts"]


def test_echarts_is_pinned_and_its_hash_matches_the_files() -> None:
    assert (
        json.loads((ROOT / "package.json").read_text())["dependencies"]["echarts"]
        == ECHARTS.version
    )
    npm_file = ROOT / "node_modules" / ECHARTS.package / ECHARTS.npm_path
    local = ROOT / "servicekit" / "platform" / "static" / ECHARTS.local_path
    if not npm_file.exists() or not local.exists():
        if IN_CI:
            pytest.fail("run `npm ci && python scripts/vendor_assets.py` first")
        pytest.skip("run `npm ci && python scripts/vendor_assets.py` first")
    for path in (npm_file, local):
        digest = base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()
        assert f"sha384-{digest}" == ECHARTS.integrity


def test_the_cdn_tag_carries_the_hash_and_falls_back_to_the_local_copy() -> None:
    app = Flask(__name__, static_folder=str(ROOT / "servicekit" / "platform" / "static"))
    with app.test_request_context():
        tags = str(script_tags(False, (ECHARTS,)))
        local = str(script_tags(True, (ECHARTS,)))
    assert f'integrity="{ECHARTS.integrity}"' in tags and ECHARTS.cdn_url in tags
    assert (
        "window.echarts || document.write" in tags
        and "/static/vendor/echarts/echarts.min.js" in tags
    )
    assert "cdn.jsdelivr.net" not in local
