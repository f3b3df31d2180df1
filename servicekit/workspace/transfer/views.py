"""Pages and downloads of imports and exports: export links, the upload, mapping and job pages."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from servicekit.platform.db import get_session
from servicekit.platform.models import ImportJob
from servicekit.platform.web import current_locale, render
from servicekit.runtime.forms import (
    FormAccess,
    FormNotFound,
    FormRuntime,
    actor_for,
    form_access,
    load_form_runtime,
)
from servicekit.runtime.forms.query import ListRequest, QueryError
from servicekit.workspace.records.filters import FilterProblem, FilterRow, build_filter
from servicekit.workspace.transfer import jobs
from servicekit.workspace.transfer.errors import TransferError
from servicekit.workspace.transfer.exporting import (
    plan_export,
    stream_csv,
    write_csv_zip,
    write_xlsx,
)
from servicekit.workspace.transfer.importing import IGNORE, NUMBER, importable_subforms, targets

bp = Blueprint(
    "transfer",
    __name__,
    url_prefix="/apps/<app_key>/forms/<form_key>",
    template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
)
MAX_QUERY = 2000
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _now() -> datetime:
    return current_app.extensions["servicekit.clock"].now()


def _form(app_key: str, form_key: str) -> tuple[FormRuntime, FormAccess]:
    try:
        runtime = load_form_runtime(get_session(), app_key, form_key)
    except FormNotFound:
        abort(404)
    return runtime, form_access(runtime.form, actor_for(current_user, app_key))


def _message(error: TransferError | dict[str, Any]) -> str:
    """A stored or raised problem in the reader's language."""
    if isinstance(error, TransferError):
        return error.render(_)
    text = _(error["template"])
    return text % error["params"] if error.get("params") else text


# export ---------------------------------------------------------------------------------
def _list_request(runtime: FormRuntime, access: FormAccess) -> tuple[ListRequest, list[str]]:
    """The list page's query string as a list request and the chosen column keys.

    Understands the list page's own parameters (builder rows ``ff``/``fo``/``fv``, typed
    rule ``expr``, ``q``, ``sort`` with ``desc=1|0``, repeated ``cols``) and the API-style
    ones (``filter``, ``search``, ``sort=-key``, comma-separated ``columns``). Raises
    :class:`FilterProblem` for a builder row that does not fit its field.
    """
    args = request.args
    rows = [
        FilterRow(f[:100], o[:20], v[:MAX_QUERY])
        for f, o, v in zip(
            args.getlist("ff")[:10], args.getlist("fo")[:10], args.getlist("fv")[:10], strict=False
        )
    ]
    parts = [
        build_filter(runtime.form, rows, (args.get("expr") or "")[:MAX_QUERY], access.hidden),
        (args.get("filter") or "")[:MAX_QUERY].strip() or None,
    ]
    rule = " and ".join(f"({part})" for part in parts if part) or None
    sort = (args.get("sort") or "-created_at").strip()[:100]
    descending = sort.startswith("-")
    sort = sort.lstrip("-+") or "created_at"
    if args.get("desc") in ("0", "1"):
        descending = args.get("desc") == "1"
    if args.get("order") in ("asc", "desc"):
        descending = args.get("order") == "desc"
    if sort not in ("number", "created_at", "updated_at", "id") and (
        access.field_right(sort) == "hidden"
    ):
        sort = "created_at"  # sorting by a hidden field would reveal its values
    columns = [c.strip() for c in (args.get("columns") or "").split(",") if c.strip()]
    columns += [c.strip() for c in args.getlist("cols") if c.strip()]
    return (
        ListRequest(
            filter=rule,
            search=(args.get("search") or args.get("q") or "")[:MAX_QUERY] or None,
            sort=sort,
            descending=descending,
        ),
        columns[:300],
    )


@bp.get("/export.<any(csv, xlsx):kind>")
def export(app_key: str, form_key: str, kind: str) -> Response:
    """Download the current list view as CSV (a zip with subforms) or XLSX."""
    runtime, access = _form(app_key, form_key)
    if not access.allows("read"):
        abort(403)
    try:
        list_request, columns = _list_request(runtime, access)
    except FilterProblem as exc:
        abort(400, _(exc.template, **exc.params))
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    plan = plan_export(
        runtime,
        access,
        list_request,
        columns=columns,
        number_header=_("Number"),
        locale=current_locale(),
        tz=jobs.user_zone(current_app, user),  # type: ignore[arg-type]
        now=_now(),
    )
    session = get_session()
    stem = runtime.form.key
    try:
        # Run the first page now so a broken filter or sort answers 400, not a cut file.
        from servicekit.runtime.forms.query import list_records

        list_records(
            session,
            runtime,
            access,
            ListRequest(**{**vars(list_request), "limit": 1}),
            now=plan.now,
            tz=plan.tz,
        )
    except QueryError as exc:
        abort(400, str(exc))
    if kind == "csv" and not plan.subforms:
        response = Response(stream_with_context(stream_csv(session, plan)), mimetype=CSV_TYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    # Zip and XLSX are written whole before sending (their formats end with an index).
    out = io.BytesIO()
    if kind == "csv":
        write_csv_zip(session, plan, out)
        name, mimetype = f"{stem}.zip", "application/zip"
    else:
        write_xlsx(session, plan, out)
        name, mimetype = f"{stem}.xlsx", XLSX_TYPE
    response = Response(out.getvalue(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# import ---------------------------------------------------------------------------------
def _importer(app_key: str, form_key: str) -> tuple[FormRuntime, FormAccess]:
    runtime, access = _form(app_key, form_key)
    if not access.allows("create"):
        abort(403)
    return runtime, access


def _job(app_key: str, form_key: str, job_id: int) -> ImportJob:
    """The person's own import job of this form (others' jobs do not exist for them)."""
    job = get_session().get(ImportJob, job_id)
    if (
        job is None
        or job.app_key != app_key
        or job.form_key != form_key
        or (job.user_id != current_user.id and not current_user.is_admin)
    ):
        abort(404)
    return job


def _upload_page(runtime: FormRuntime, error: str | None = None, status: int = 200) -> Response:
    return render(
        "transfer/import_upload.html",
        status=status,
        runtime=runtime,
        form_label=runtime.form.label_for(current_locale()),
        max_mb=current_app.config["SERVICEKIT_MAX_UPLOAD_MB"],
        error=error,
    )


@bp.get("/import")
def import_start(app_key: str, form_key: str) -> Response:
    """The upload step."""
    runtime, _access = _importer(app_key, form_key)
    return _upload_page(runtime)


@bp.post("/import")
def import_upload(app_key: str, form_key: str) -> Response:
    """Read the uploaded file and go on to the mapping step (or say what is wrong with it)."""
    runtime, _access = _importer(app_key, form_key)
    max_mb = int(current_app.config["SERVICEKIT_MAX_UPLOAD_MB"])
    too_large = _("The file is larger than %(max)s MB.", max=max_mb)
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return _upload_page(runtime, too_large, 413)
    if upload is None or not upload.filename:
        return _upload_page(runtime, _("Choose a CSV or XLSX file to import."), 400)
    data = upload.stream.read(max_mb * 1024 * 1024 + 1)
    if len(data) > max_mb * 1024 * 1024:
        return _upload_page(runtime, too_large, 413)
    session = get_session()
    try:
        job = jobs.start_job(
            current_app,  # type: ignore[arg-type]
            session,
            user=current_user._get_current_object(),  # type: ignore[attr-defined]
            app_key=app_key,
            form_key=form_key,
            file_name=upload.filename,
            data=data,
            now=_now(),
        )
    except TransferError as exc:
        session.rollback()
        return _upload_page(runtime, _message(exc), 400)
    session.commit()
    return redirect(_job_url(job))  # type: ignore[return-value]


def _job_url(job: ImportJob, endpoint: str = "transfer.import_job") -> str:
    return url_for(endpoint, app_key=job.app_key, form_key=job.form_key, job_id=job.id)


def _choices(
    runtime: FormRuntime, access: FormAccess, subform: str | None
) -> list[tuple[str, str]]:
    locale = current_locale()
    choices = [("", _("— choose —")), (IGNORE, _("Ignore this column"))]
    choices.append((NUMBER, _("Number (links subform rows to their record)")))
    choices += [(f.key, f.label_for(locale)) for f in targets(runtime, access, subform)]
    return choices


def _job_page(
    runtime: FormRuntime, access: FormAccess, job: ImportJob, status: int = 200
) -> Response:
    options = job.options or {}
    sheets = []
    for sheet, mapping in zip(options.get("sheets", []), options.get("mapping", []), strict=False):
        sheets.append(
            {
                "name": sheet["name"],
                "rows": sheet["rows"],
                "subform": mapping.get("subform"),
                "columns": list(zip(sheet["headers"], mapping["columns"], strict=False)),
                "choices": _choices(runtime, access, mapping.get("subform")),
            }
        )
    problems = [{**p, "message": _message(p)} for p in (job.problems or [])[:1000]]
    return render(
        "transfer/import_job.html",
        "transfer/_job_status.html",
        status=status,
        job=job,
        runtime=runtime,
        form_label=runtime.form.label_for(current_locale()),
        sheets=sheets,
        subforms=importable_subforms(runtime, access),
        problems=problems,
        problem_count=int(options.get("problem_count", len(job.problems or []))),
        finished=job.state in jobs.FINISHED,
        percent=int(100 * job.done_rows / job.total_rows) if job.total_rows else 0,
    )


@bp.get("/import/<int:job_id>")
def import_job(app_key: str, form_key: str, job_id: int) -> Response:
    """The mapping step, the progress of a running import, or its outcome."""
    runtime, access = _importer(app_key, form_key)
    return _job_page(runtime, access, _job(app_key, form_key, job_id))


@bp.post("/import/<int:job_id>")
def import_run(app_key: str, form_key: str, job_id: int) -> Response:
    """Save the mapping and check (``action=check``) or import (``action=import``) the rows."""
    runtime, access = _importer(app_key, form_key)
    job = _job(app_key, form_key, job_id)
    if job.state in ("queued", "running"):
        return _job_page(runtime, access, job, 409)
    options = dict(job.options or {})
    mapping = []
    for index, sheet in enumerate(options.get("mapping", [])):
        columns = [
            (request.form.get(f"map-{index}-{column}") or "")[:100]
            for column in range(len(sheet["columns"]))
        ]
        mapping.append({**sheet, "columns": columns})
    options.update(
        mapping=mapping,
        dry_run=request.form.get("action") != "import",
        skip_bad_rows=request.form.get("skip_bad_rows") == "1",
        locale=current_locale(),
    )
    job.options = options
    job.state, job.done_rows, job.problems = "queued", 0, None
    session = get_session()
    session.commit()
    # The run uses its own sessions; this one holds no lock meanwhile.
    session.close()
    jobs.queue_run(current_app, job.id)  # type: ignore[arg-type]
    return redirect(_job_url(job))  # type: ignore[return-value]


@bp.get("/import/<int:job_id>/problems.csv")
def import_problems(app_key: str, form_key: str, job_id: int) -> Response:
    """Every problem of a run as CSV (sheet, row, column, message) in the reader's language."""
    _importer(app_key, form_key)
    job = _job(app_key, form_key, job_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Sheet"), _("Row"), _("Column"), _("Problem")])
    for item in job.problems or []:
        writer.writerow(
            [item.get("sheet", ""), item.get("row") or "", item.get("column", ""), _message(item)]
        )
    response = Response("\ufeff" + out.getvalue(), mimetype=CSV_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="import-{job.id}-problems.csv"'
    return response
