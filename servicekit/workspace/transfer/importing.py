"""Imports: map a file's columns to fields, then check or create every row in one transaction.

A run reads every row, converts its cells, and creates the record through
``RecordStore.create`` (numbering, formulas, validation and the event log all happen as for
a form save), each row inside a savepoint so that one bad row never spoils the others'
checks. The caller commits or rolls back afterwards: nothing when checking (a dry run)
or when any row failed, unless the person chose to skip bad rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.storage import RecordSource
from servicekit.platform.storage.messages import N_, FieldValueError
from servicekit.runtime.forms import Context, FormAccess, FormRuntime, RecordInvalid
from servicekit.workspace.transfer.cells import CellFormat, importable
from servicekit.workspace.transfer.reading import Sheet, Workbook

NUMBER = "__number__"
IGNORE = "-"
NUMBER_HEADERS = frozenset({"number", "编号", "no.", "#"})


@dataclass
class SheetMapping:
    """Where each column of one sheet goes: a field key, :data:`NUMBER`, :data:`IGNORE` or ''.

    An empty target means the column matched nothing and the person has not decided yet.
    """

    sheet: str
    subform: str | None
    columns: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "subform": self.subform, "columns": self.columns}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SheetMapping:
        return cls(str(data["sheet"]), data.get("subform"), [str(c) for c in data["columns"]])


@dataclass
class ImportOutcome:
    """What a run found: rows read, records created (or that would be) and every problem.

    Each problem is ``{"sheet", "row", "column", "template", "params"}``; ``row`` is the
    spreadsheet line (headers are line 1) and ``template`` English for translation.
    """

    total: int = 0
    imported: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({(p["sheet"], p["row"]) for p in self.problems if p["row"]})


def problem(
    sheet: str, row: int | None, column: str, template: str, /, **params: Any
) -> dict[str, Any]:
    """A problem as stored on the import job and shown to the person."""
    return {"sheet": sheet, "row": row, "column": column, "template": template, "params": params}


# mapping --------------------------------------------------------------------------------
def targets(runtime: FormRuntime, access: FormAccess, subform: str | None = None) -> list[FieldDef]:
    """The fields a column may fill: importable, and editable by this person."""
    if subform is None:
        return [
            f
            for f in runtime.form.fields
            if importable(f) and access.field_right(f.key) == "editable"
        ]
    return [c for c in runtime.form.field(subform).children if importable(c)]


def importable_subforms(runtime: FormRuntime, access: FormAccess) -> list[FieldDef]:
    return [f for f in runtime.form.subforms if access.field_right(f.key) == "editable"]


def _normal(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _names(item: FieldDef) -> set[str]:
    return {_normal(n) for n in (item.key, item.label_for("zh_CN"), item.label_for("en"))}


def _guess(header: str, fields: list[FieldDef], known: tuple[FieldDef, ...]) -> str:
    """The target of a heading; a field that exists but cannot be imported is ignored."""
    wanted = _normal(header)
    if not wanted:
        return ""
    if wanted in NUMBER_HEADERS:
        return NUMBER
    for item in fields:
        if wanted in _names(item):
            return item.key
    # Formulas, files and the like come back from exports; they are not typed in.
    if any(wanted in _names(item) for item in known):
        return IGNORE
    return ""


def _subform_of(sheet: Sheet, runtime: FormRuntime, subforms: list[FieldDef]) -> str | None:
    wanted = _normal(sheet.name)
    for sub in subforms:
        names = {sub.key, sub.label_for("zh_CN"), sub.label_for("en")}
        # CSV files of an export are named <form>.<subform>.csv.
        if wanted in {_normal(n) for n in names} or wanted.endswith("." + sub.key.casefold()):
            return sub.key
    return None


def auto_mapping(
    workbook: Workbook, runtime: FormRuntime, access: FormAccess
) -> list[SheetMapping]:
    """A first guess: each heading matched to a field by key or by label in either language."""
    subforms = importable_subforms(runtime, access)
    mappings = []
    for index, sheet in enumerate(workbook.sheets):
        subform = None if index == 0 else _subform_of(sheet, runtime, subforms)
        fields = targets(runtime, access, subform) if index == 0 or subform else []
        known = runtime.form.fields if index == 0 else ()
        if subform:
            known = runtime.form.field(subform).children
        mappings.append(
            SheetMapping(sheet.name, subform, [_guess(h, fields, known) for h in sheet.headers])
        )
    return mappings


def mapping_problems(
    workbook: Workbook,
    mappings: list[SheetMapping],
    runtime: FormRuntime,
    access: FormAccess,
) -> list[dict[str, Any]]:
    """Problems that stop any row from being read: unknown or doubled columns, stray sheets."""
    problems = []
    main_has_number = NUMBER in mappings[0].columns if mappings else False
    for index, (sheet, mapping) in enumerate(zip(workbook.sheets, mappings, strict=True)):
        if index > 0 and mapping.subform is None:
            problems.append(
                problem(
                    sheet.name,
                    None,
                    "",
                    N_("The sheet %(sheet)s matches no subform of the form."),
                    sheet=sheet.name,
                )
            )
            continue
        allowed = {f.key for f in targets(runtime, access, mapping.subform)} | {NUMBER, IGNORE}
        seen: dict[str, str] = {}
        for header, target in zip(sheet.headers, mapping.columns, strict=True):
            label = header or "?"
            if target == "":
                problems.append(
                    problem(
                        sheet.name,
                        None,
                        label,
                        N_(
                            "The column %(column)s matches no field; choose a field for it or ignore it."
                        ),
                        column=label,
                    )
                )
            elif target not in allowed:
                problems.append(
                    problem(
                        sheet.name,
                        None,
                        label,
                        N_("The column %(column)s cannot be imported into that field."),
                        column=label,
                    )
                )
            elif target != IGNORE and target in seen:
                problems.append(
                    problem(
                        sheet.name,
                        None,
                        label,
                        N_("The columns %(first)s and %(second)s both fill the same field."),
                        first=seen[target],
                        second=label,
                    )
                )
            elif target != IGNORE:
                seen[target] = label
        if index > 0 and (NUMBER not in mapping.columns or not main_has_number):
            problems.append(
                problem(
                    sheet.name,
                    None,
                    "",
                    N_(
                        "Subform rows need the number column, in this sheet and in the first one, to find their record."
                    ),
                )
            )
    return problems


# running --------------------------------------------------------------------------------
@dataclass
class _Row:
    sheet: str
    line: int
    values: dict[str, Any]
    headers: dict[str, str]  # field key -> column heading, to place errors
    ok: bool = True
    children: dict[str, list[_Row]] = field(default_factory=dict)


def _read_rows(
    sheet: Sheet,
    mapping: SheetMapping,
    fields: dict[str, FieldDef],
    source: RecordSource,
    cells: CellFormat,
    outcome: ImportOutcome,
) -> list[tuple[str | None, _Row]]:
    """(record key, converted row) for every non-blank line of a sheet."""
    headers = {t: h for h, t in zip(sheet.headers, mapping.columns, strict=True) if t in fields}
    read = []
    for offset, cells_in_row in enumerate(sheet.rows):
        if all(c is None for c in cells_in_row):
            continue
        row = _Row(sheet.name, offset + 2, {}, headers)
        key = None
        for header, target, cell in zip(sheet.headers, mapping.columns, cells_in_row, strict=True):
            if target == NUMBER:
                key = None if cell is None else str(cell).strip() or None
            elif target in fields:
                try:
                    row.values[target] = cells.from_cell(source, fields[target], cell)
                except FieldValueError as exc:
                    row.ok = False
                    outcome.problems.append(
                        problem(sheet.name, row.line, header, exc.template, **exc.params)
                    )
        read.append((key, row))
    return read


def run_import(
    session: Session,
    runtime: FormRuntime,
    access: FormAccess,
    workbook: Workbook,
    mappings: list[SheetMapping],
    *,
    context: Context,
    cell_tz: ZoneInfo,
    actor_id: int | None,
    locale: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Create a record per row of the first sheet (with its subform rows) and report problems.

    Cells are read in ``cell_tz`` (the person's zone, as exports write them). Every row runs
    in a savepoint of ``session``; the caller commits or rolls back.
    """
    outcome = ImportOutcome()
    outcome.problems = mapping_problems(workbook, mappings, runtime, access)
    if outcome.problems:
        return outcome
    cells = CellFormat(session, cell_tz, locale, guarded=workbook.format != "xlsx")
    source = runtime.source
    main_fields = {f.key: f for f in targets(runtime, access)}
    records = _read_rows(workbook.sheets[0], mappings[0], main_fields, source, cells, outcome)
    by_key: dict[str, _Row] = {}
    for key, row in records:
        if key is not None:
            if key in by_key:
                outcome.problems.append(
                    problem(
                        row.sheet,
                        row.line,
                        "",
                        N_("The number %(number)s appears on more than one row."),
                        number=key[:64],
                    )
                )
                row.ok = False
            by_key[key] = row
    for sheet, mapping in zip(workbook.sheets[1:], mappings[1:], strict=True):
        assert mapping.subform is not None
        sub_fields = {c.key: c for c in targets(runtime, access, mapping.subform)}
        child_source = source.child(mapping.subform)
        for key, child in _read_rows(sheet, mapping, sub_fields, child_source, cells, outcome):
            parent = by_key.get(key or "")
            if parent is None:
                outcome.problems.append(
                    problem(
                        sheet.name,
                        child.line,
                        "",
                        N_("No row of the first sheet has the number %(number)s."),
                        number=(key or "")[:64],
                    )
                )
                continue
            parent.children.setdefault(mapping.subform, []).append(child)
            parent.ok = parent.ok and child.ok
    outcome.total = len(records)
    for done, (_key, row) in enumerate(records, start=1):
        if row.ok:
            _create(session, runtime, row, context, actor_id, locale, outcome)
        if progress is not None:
            progress(done, outcome.total)
    return outcome


def _create(
    session: Session,
    runtime: FormRuntime,
    row: _Row,
    context: Context,
    actor_id: int | None,
    locale: str,
    outcome: ImportOutcome,
) -> None:
    values = dict(row.values)
    for sub_key, children in row.children.items():
        values[sub_key] = [child.values for child in children]
    savepoint = session.begin_nested()
    try:
        runtime.store.create(session, values, context, actor_id=actor_id, locale=locale)
    except RecordInvalid as exc:
        savepoint.rollback()
        for error in exc.errors:
            outcome.problems.append(_placed(runtime, row, error))
        return
    except SQLAlchemyError:
        # A constraint the checks did not foresee; the savepoint keeps the other rows going.
        savepoint.rollback()
        outcome.problems.append(
            problem(row.sheet, row.line, "", N_("The database refused this row."))
        )
        return
    savepoint.commit()
    outcome.imported += 1


def _placed(runtime: FormRuntime, row: _Row, error: Any) -> dict[str, Any]:
    """A record error placed at the sheet, line and column the person can find."""
    if error.row is not None and error.field in row.children:
        children = row.children[error.field]
        if 0 <= error.row < len(children):
            child = children[error.row]
            column = child.headers.get(error.subfield or "", "")
            if not column and error.subfield:
                column = _label(runtime.form.field(error.field).children, error.subfield)
            return problem(child.sheet, child.line, column, error.template, **error.params)
    column = row.headers.get(error.field, "")
    if not column and error.field != "__all__":
        column = _label(runtime.form.fields, error.field)
    return problem(row.sheet, row.line, column, error.template, **error.params)


def _label(fields: tuple[FieldDef, ...], key: str) -> str:
    for item in fields:
        if item.key == key:
            return item.label_for("zh_CN") + " / " + item.label_for("en")
    return key
