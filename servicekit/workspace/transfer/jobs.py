"""Import jobs: the uploaded file, its mapping and options, and the run that checks or stores it.

The same :func:`execute` runs in the request for small files and in the job worker for
large ones; progress, counts and problems live on the ``ImportJob`` row, which the import
page polls.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import update

from servicekit.platform.db import get_db
from servicekit.platform.jobs import get_huey
from servicekit.platform.models import ImportJob, User
from servicekit.platform.storage.messages import N_
from servicekit.runtime.forms import Context, actor_for, form_access, load_form_runtime
from servicekit.workspace.transfer.errors import TransferError
from servicekit.workspace.transfer.importing import (
    SheetMapping,
    auto_mapping,
    problem,
    run_import,
)
from servicekit.workspace.transfer.reading import Workbook, read_upload

# Problems kept on a job; a file wrong on every line should not fill the database.
MAX_PROBLEMS = 10_000
PROGRESS_EVERY = 50
FINISHED = ("checked", "done", "failed")


def _folder(app: Flask) -> Path:
    return Path(app.config["SERVICEKIT_INSTANCE_PATH"]) / "imports"


def upload_path(app: Flask, job: ImportJob) -> Path:
    """Where a job's uploaded file is kept (under a random name)."""
    return _folder(app) / job.stored_name


def background_threshold(app: Flask) -> int:
    """Imports with more rows than this run in the job worker."""
    return int(app.config.get("SERVICEKIT_IMPORT_BACKGROUND_ROWS", 500))


def user_zone(app: Flask, user: User | None) -> ZoneInfo:
    """The zone a person reads and types times in (theirs, else the site's)."""
    name = (user.timezone if user is not None else None) or app.config["SERVICEKIT_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo(app.config["SERVICEKIT_TIMEZONE"])


def start_job(
    app: Flask,
    session: Any,
    *,
    user: User,
    app_key: str,
    form_key: str,
    file_name: str,
    data: bytes,
    now: datetime,
) -> ImportJob:
    """Read an upload, keep it, and create its job with a first guess at the mapping.

    Raises :class:`TransferError` (and keeps nothing) when the file cannot be read.
    """
    workbook = read_upload(data, file_name)
    runtime = load_form_runtime(session, app_key, form_key)
    access = form_access(runtime.form, actor_for(user, app_key))
    mappings = auto_mapping(workbook, runtime, access)
    stored_name = secrets.token_urlsafe(24)
    folder = _folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored_name).write_bytes(data)
    job = ImportJob(
        user_id=user.id,
        app_key=app_key,
        form_key=form_key,
        file_name=file_name[:255],
        stored_name=stored_name,
        options={
            "format": workbook.format,
            "mapping": [m.to_dict() for m in mappings],
            "sheets": [
                {"name": s.name, "headers": s.headers, "rows": len(s.rows)} for s in workbook.sheets
            ],
        },
        state="mapping",
        total_rows=len(workbook.sheets[0].rows),
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def read_job_file(app: Flask, job: ImportJob) -> Workbook:
    return read_upload(upload_path(app, job).read_bytes(), job.file_name)


def queue_run(app: Flask, job_id: int) -> None:
    """Run a job that the request has committed as ``queued``: in the worker when large."""
    with get_db(app).sessions() as session:
        job = session.get(ImportJob, job_id)
        large = job is not None and job.total_rows > background_threshold(app)
    if large:
        app.extensions["servicekit.transfer.task"](job_id)
    else:
        execute(app, job_id)


def execute(app: Flask, job_id: int) -> None:
    """Check (dry run) or store the rows of a queued job, recording the outcome on it."""
    db = get_db(app)
    with db.transaction() as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.state != "queued":
            return
        job.state, job.done_rows = "running", 0
        options = dict(job.options or {})
        user = session.get(User, job.user_id) if job.user_id else None
        app_key, form_key = job.app_key, job.form_key
    clock = app.extensions["servicekit.clock"]
    dry_run = bool(options.get("dry_run"))
    skip_bad_rows = bool(options.get("skip_bad_rows"))
    session = db.sessions()
    try:
        session.begin()
        runtime = load_form_runtime(session, app_key, form_key)
        access = form_access(runtime.form, actor_for(user, app_key))
        if user is None or not access.allows("create"):
            raise TransferError(N_("You may not create records in this form."))
        workbook = read_job_file(app, session.get(ImportJob, job_id))  # type: ignore[arg-type]
        context = Context(
            now=clock.now(),
            tz=ZoneInfo(app.config["SERVICEKIT_TIMEZONE"]),
            user=user.rule_context(app_key),
        )
        outcome = run_import(
            session,
            runtime,
            access,
            workbook,
            [SheetMapping.from_dict(m) for m in options.get("mapping", [])],
            context=context,
            cell_tz=user_zone(app, user),
            actor_id=user.id,
            locale=str(options.get("locale") or "zh_CN"),
            progress=_progress_writer(app, job_id),
        )
        keep = not dry_run and outcome.imported > 0 and (skip_bad_rows or not outcome.problems)
        if keep:
            session.commit()
        else:
            session.rollback()
        state = "checked" if dry_run else ("done" if keep or not outcome.problems else "failed")
        _finish(app, job_id, state, outcome.total, outcome.imported, outcome.problems, keep)
    except TransferError as exc:
        session.rollback()
        _finish(
            app, job_id, "failed", 0, 0, [problem("", None, "", exc.template, **exc.params)], False
        )
    except Exception:
        session.rollback()
        _finish(
            app,
            job_id,
            "failed",
            0,
            0,
            [
                problem(
                    "",
                    None,
                    "",
                    N_("The import stopped on an unexpected error; nothing was stored."),
                )
            ],
            False,
        )
        raise
    finally:
        session.close()


def _progress_writer(app: Flask, job_id: int) -> Any:
    db = get_db(app)
    if db.dialect == "sqlite":
        # SQLite lets one connection write at a time and the import holds that lock;
        # the page shows progress once the run ends.
        return None

    def write(done: int, total: int) -> None:
        if done % PROGRESS_EVERY and done != total:
            return
        with db.transaction() as session:
            session.execute(update(ImportJob).where(ImportJob.id == job_id).values(done_rows=done))

    return write


def _finish(
    app: Flask,
    job_id: int,
    state: str,
    total: int,
    imported: int,
    problems: list[dict[str, Any]],
    stored: bool,
) -> None:
    with get_db(app).transaction() as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            return
        job.state = state
        job.total_rows = total or job.total_rows
        job.done_rows = total or job.done_rows
        # On a dry run and on a refused run this is how many rows would go in.
        job.imported_rows = imported
        job.problems = problems[:MAX_PROBLEMS]
        job.options = {**(job.options or {}), "stored": stored, "problem_count": len(problems)}
        job.finished_at = app.extensions["servicekit.clock"].now()
        if state == "done":
            # The rows are stored and the page offers no further run; the upload can go.
            upload_path(app, job).unlink(missing_ok=True)


def register_task(app: Flask) -> None:
    """Give the job worker the import task of this app."""
    huey = get_huey(app)

    @huey.task(name="servicekit.transfer.import")
    def import_task(job_id: int) -> None:
        with app.app_context():
            execute(app, job_id)

    app.extensions["servicekit.transfer.task"] = import_task
