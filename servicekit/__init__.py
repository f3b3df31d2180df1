"""ServiceKit: a low-code platform for service management apps.

The public surface is the application factory; everything else lives in the
``platform``, ``runtime`` and ``designer`` subpackages.
"""

from __future__ import annotations

__version__ = "0.1.0"

from servicekit.platform.app import create_app

__all__ = ["__version__", "create_app"]
