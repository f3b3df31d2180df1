"""``servicekit run`` (development server with a worker beside it) and ``servicekit worker``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType

import click
from flask import current_app
from werkzeug.serving import run_simple

from servicekit.platform.jobs import get_huey


def _exit_on_signal(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def register(cli: click.Group) -> None:
    @cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Worker threads.")
    def worker_command(workers: int) -> None:
        """Run the job queue consumer until interrupted."""
        consumer = get_huey(current_app).create_consumer(workers=workers, worker_type="thread")
        click.echo(f"Worker started ({workers} threads).")
        consumer.run()

    @cli.command("run")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--no-worker", is_flag=True, help="Do not start a worker beside the server.")
    def run_command(host: str, port: int, no_worker: bool) -> None:
        """Serve the app for development, with a job worker in a child process."""
        worker = None
        # Stop cleanly on SIGTERM too, so the worker below is never left running alone.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        if not no_worker:
            worker = subprocess.Popen(
                [sys.executable, "-m", "servicekit.platform.cli", "worker"], env=dict(os.environ)
            )
        try:
            click.echo(f"ServiceKit is serving on http://{host}:{port}/ (Ctrl+C stops it)")
            # Flask's app.run() refuses to start under its own CLI, so serve with Werkzeug.
            run_simple(host, port, current_app._get_current_object(), threaded=True)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
