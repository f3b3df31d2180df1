"""Front-end assets: CDN URLs with integrity hashes and local fallbacks, for the base layout.

The hashes are sha384 digests of the exact npm files that ``scripts/vendor_assets.py``
copies into ``static/vendor/``; jsDelivr serves those npm files byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from markupsafe import Markup, escape


@dataclass(frozen=True)
class Asset:
    """One vendored file: its npm package and version, path in the package, local copy, hash."""

    package: str
    version: str
    npm_path: str
    local_path: str
    integrity: str
    # A JavaScript expression that is truthy once the script loaded (scripts only).
    loaded_check: str | None = None

    @property
    def cdn_url(self) -> str:
        return f"https://cdn.jsdelivr.net/npm/{self.package}@{self.version}/{self.npm_path}"

    @property
    def is_script(self) -> bool:
        return self.local_path.endswith(".js")


STYLESHEETS: tuple[Asset, ...] = (
    Asset(
        "bootstrap",
        "5.3.8",
        "dist/css/bootstrap.min.css",
        "vendor/bootstrap/css/bootstrap.min.css",
        "sha384-sRIl4kxILFvY47J16cr9ZwB07vP4J8+LH7qKQnuqkuIAvNWLzeN8tE5YBujZqJLB",
    ),
    Asset(
        "bootstrap-icons",
        "1.13.1",
        "font/bootstrap-icons.min.css",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "sha384-CK2SzKma4jA5H/MXDUU7i1TqZlCFaD4T01vtyDFvPlD97JQyS+IsSh1nI2EFbpyk",
    ),
)

SCRIPTS: tuple[Asset, ...] = (
    Asset(
        "bootstrap",
        "5.3.8",
        "dist/js/bootstrap.bundle.min.js",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "sha384-FKyoEForCGlyvwx9Hj09JcYn3nv7wiPVlz7YYwJrWVcXK/BmnVDxM+D2scQbITxI",
        loaded_check="window.bootstrap",
    ),
    Asset(
        "htmx.org",
        "2.0.8",
        "dist/htmx.min.js",
        "vendor/htmx/htmx.min.js",
        "sha384-/TgkGk7p307TH7EXJDuUlgG3Ce1UVolAOFopFekQkkXihi5u/6OCvVKyz1W+idaz",
        loaded_check="window.htmx",
    ),
    # Record forms: reordering subform rows and drawing signatures.
    Asset(
        "sortablejs",
        "1.15.7",
        "Sortable.min.js",
        "vendor/sortablejs/Sortable.min.js",
        "sha384-DgmC6Xe2bSN2WjTDXzWYbUbxyhNP+NNkGDR/g78pCXV7E7rcVTGxVg0uIVCUUcBc",
        loaded_check="window.Sortable",
    ),
    Asset(
        "signature_pad",
        "5.1.4",
        "dist/signature_pad.umd.min.js",
        "vendor/signature_pad/signature_pad.umd.min.js",
        "sha384-tDSOCzVljSggNbjPF/Hz+FRfFWI/03Gp04+9fEFbNzsT1CI/tk1WBY2QG4dlmevX",
        loaded_check="window.SignaturePad",
    ),
)


# Loaded only by the pages that need them (one megabyte of charts is not for every page).
PAGE_SCRIPTS: dict[str, Asset] = {
    # Report and dashboard charts.
    "echarts": Asset(
        "echarts",
        "6.1.0",
        "dist/echarts.min.js",
        "vendor/echarts/echarts.min.js",
        "sha384-C2iskrW/uPW46KzOjrvJIQo4YkV8lkD+QS0CrDN18IIPIpT/g2USu8bTP3nvmIAD",
        loaded_check="window.echarts",
    ),
    # Workflow designer: the graph canvas, its auto-layout and edge drawing by dragging.
    "cytoscape": Asset(
        "cytoscape",
        "3.34.4",
        "dist/cytoscape.min.js",
        "vendor/cytoscape/cytoscape.min.js",
        "sha384-lyd1lDWZ623YSUJ/wMQH50y+T81dWKJk7ZoFdYWXQS83b0+QpW0pgdfXEnQnXL/X",
        loaded_check="window.cytoscape",
    ),
    "cytoscape-dagre": Asset(
        "cytoscape-dagre",
        "4.0.1",
        "dist/cytoscape-dagre.min.js",
        "vendor/cytoscape-dagre/cytoscape-dagre.min.js",
        "sha384-CIu9EFddQ0GplFvevqHZ1sIPo1IRXFvxHd0A6jaJ3m052fy+mDfer/ItnvIS5uY3",
        loaded_check="window.cytoscapeDagre",
    ),
    # cytoscape-edgehandles expects lodash's memoize and throttle on window._.
    "lodash": Asset(
        "lodash",
        "4.17.21",
        "lodash.min.js",
        "vendor/lodash/lodash.min.js",
        "sha384-H6KKS1H1WwuERMSm+54dYLzjg0fKqRK5ZRyASdbrI/lwrCc6bXEmtGYr5SwvP1pZ",
        loaded_check="window._",
    ),
    "cytoscape-edgehandles": Asset(
        "cytoscape-edgehandles",
        "4.0.1",
        "cytoscape-edgehandles.js",
        "vendor/cytoscape-edgehandles/cytoscape-edgehandles.js",
        "sha384-ngG8OYN6HHni2WlvaOkG+9oyrGHFKl2YdsFeq+2tCR9kPeq+tk9poeIHr/Gi5LW9",
        loaded_check="window.cytoscapeEdgehandles",
    ),
    # Dashboard designer: the drag-and-drop, resizable widget grid.
    "gridstack": Asset(
        "gridstack",
        "14.1.0",
        "dist/gridstack-all.js",
        "vendor/gridstack/gridstack-all.js",
        "sha384-XjIu7nbLoW7ND/uRsNDEoENrarLVOT/pq1TIwCGod1uqHV9MZTEp28RZo0nIez+l",
        loaded_check="window.GridStack",
    ),
}

# Stylesheets that only some pages load, alongside their PAGE_SCRIPTS entry.
PAGE_STYLESHEETS: dict[str, Asset] = {
    "gridstack": Asset(
        "gridstack",
        "14.1.0",
        "dist/gridstack.min.css",
        "vendor/gridstack/gridstack.min.css",
        "sha384-XCzaytXkt/Mt4Vx1txhYI7wJGYtKckKTERRsWTwoAjEbMHnPP/hGxaIbv24wfHYD",
    ),
}


def stylesheet_tags(local_only: bool, assets: tuple[Asset, ...] = STYLESHEETS) -> Markup:
    """``<link>`` tags; a CDN stylesheet that fails to load swaps itself for the local copy."""
    tags = []
    for asset in assets:
        local = url_for("static", filename=asset.local_path)
        if local_only:
            tags.append(Markup('<link rel="stylesheet" href="{}">').format(local))
            continue
        tags.append(
            Markup(
                '<link rel="stylesheet" href="{}" integrity="{}" crossorigin="anonymous" '
                "onerror=\"this.onerror=null;this.href='{}'\">"
            ).format(asset.cdn_url, asset.integrity, local)
        )
    return Markup("\n").join(tags)


def script_tags(local_only: bool, assets: tuple[Asset, ...] = SCRIPTS) -> Markup:
    """``<script>`` tags; when a CDN script did not load, the local copy is written in its place."""
    tags = []
    for asset in assets:
        local = url_for("static", filename=asset.local_path)
        if local_only:
            tags.append(Markup('<script src="{}"></script>').format(local))
            continue
        tags.append(
            Markup('<script src="{}" integrity="{}" crossorigin="anonymous"></script>').format(
                asset.cdn_url, asset.integrity
            )
        )
        # document.write keeps script order: later scripts may rely on this one.
        fallback = f'<script src="{escape(local)}"><\\/script>'
        tags.append(
            Markup("<script>{} || document.write('{}')</script>").format(
                Markup(asset.loaded_check or "false"), Markup(fallback)
            )
        )
    return Markup("\n").join(tags)


def init_assets(app: Flask) -> None:
    """Expose ``asset_stylesheets()``, ``asset_scripts()``, ``asset_page_script(name)`` and
    ``asset_page_stylesheet(name)``."""
    local_only = app.config.get("SERVICEKIT_ASSETS") == "local"
    app.jinja_env.globals["asset_stylesheets"] = lambda: stylesheet_tags(local_only)
    app.jinja_env.globals["asset_scripts"] = lambda: script_tags(local_only)
    app.jinja_env.globals["asset_page_script"] = lambda name: script_tags(
        local_only, (PAGE_SCRIPTS[name],)
    )
    app.jinja_env.globals["asset_page_stylesheet"] = lambda name: stylesheet_tags(
        local_only, (PAGE_STYLESHEETS[name],)
    )
