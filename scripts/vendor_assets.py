"""Copy the front-end files ServiceKit serves locally from node_modules into static/vendor/.

Run after ``npm ci``: ``python scripts/vendor_assets.py``. The copies are the local
fallback for the CDN and the only source when ``SERVICEKIT_ASSETS=local``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "servicekit" / "platform" / "static" / "vendor"

# (file under node_modules, destination under static/vendor); keep in step with
# servicekit/platform/web/assets.py, whose integrity hashes describe these files.
FILES: tuple[tuple[str, str], ...] = (
    ("bootstrap/dist/css/bootstrap.min.css", "bootstrap/css/bootstrap.min.css"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/js/bootstrap.bundle.min.js"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("sortablejs/Sortable.min.js", "sortablejs/Sortable.min.js"),
    ("signature_pad/dist/signature_pad.umd.min.js", "signature_pad/signature_pad.umd.min.js"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
    ("cytoscape/dist/cytoscape.min.js", "cytoscape/cytoscape.min.js"),
    ("cytoscape-dagre/dist/cytoscape-dagre.min.js", "cytoscape-dagre/cytoscape-dagre.min.js"),
    ("lodash/lodash.min.js", "lodash/lodash.min.js"),
    (
        "cytoscape-edgehandles/cytoscape-edgehandles.js",
        "cytoscape-edgehandles/cytoscape-edgehandles.js",
    ),
    ("gridstack/dist/gridstack-all.js", "gridstack/gridstack-all.js"),
    ("gridstack/dist/gridstack.min.css", "gridstack/gridstack.min.css"),
    ("bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"),
    (
        "bootstrap-icons/font/fonts/bootstrap-icons.woff2",
        "bootstrap-icons/fonts/bootstrap-icons.woff2",
    ),
    (
        "bootstrap-icons/font/fonts/bootstrap-icons.woff",
        "bootstrap-icons/fonts/bootstrap-icons.woff",
    ),
)


def main() -> int:
    """Copy every file; report the first missing one and exit 1 (run ``npm ci`` first)."""
    for source, target in FILES:
        src = NODE_MODULES / source
        if not src.is_file():
            print(f"error: {src} is missing; run `npm ci` first", file=sys.stderr)
            return 1
        dest = VENDOR / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    print(f"copied {len(FILES)} files into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
