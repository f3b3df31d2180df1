"""Workspace: import records from CSV/XLSX files and export list views to them."""

from __future__ import annotations

from flask import Flask

from servicekit.workspace.transfer.errors import TransferError
from servicekit.workspace.transfer.reading import Sheet, Workbook, decode_text, read_upload


def init_app(app: Flask) -> None:
    """Register the transfer blueprint and the background import task."""
    from servicekit.workspace.transfer import jobs, views

    app.register_blueprint(views.bp)
    jobs.register_task(app)


__all__ = ["Sheet", "TransferError", "Workbook", "decode_text", "init_app", "read_upload"]
