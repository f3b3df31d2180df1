"""What the workflow designer's panels offer to pick: forms, fields, roles, teams, users,
SLA policies (with their per-node time limits) and a few records to simulate with.

Read from the app's working set (drafts over published versions), so a form still being
designed already lists its fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from servicekit.designer.workflows.explain import plain
from servicekit.designer.workflows.scenario import working_bodies
from servicekit.platform.metadata.forms import label_text
from servicekit.platform.models import Team, User
from servicekit.runtime.forms import FormNotFound, load_form_runtime

MAX_USERS = 500
MAX_RECORDS = 20


def picker_data(
    session: Session, app_key: str, form_key: str | None, locale: str
) -> dict[str, Any]:
    """``{"forms", "fields", "form_fields", "roles", "teams", "users", "policies", "records"}``
    for one form."""
    forms = {k: b for k, b in working_bodies(session, app_key, "form").items()}
    app_body = working_bodies(session, app_key, "app").get(app_key) or {}
    fields = []
    form_body = forms.get(form_key or "") or {}
    for item in form_body.get("fields") or []:
        fields.append(
            {
                "key": item.get("key"),
                "type": item.get("type"),
                "label": label_text(item.get("label"), locale) or item.get("key"),
                "options": [
                    {"value": o.get("value"), "label": label_text(o.get("label"), locale)}
                    for o in item.get("options") or []
                ],
                "columns": [
                    {"key": c.get("key"), "type": c.get("type")} for c in item.get("fields") or []
                ],
            }
        )
    return {
        "forms": [
            {"key": k, "label": label_text(b.get("label"), locale) or k}
            for k, b in sorted(forms.items())
        ],
        "fields": fields,
        "raw_fields": list(form_body.get("fields") or []),
        # For "create a record" actions: the fields each form of the app has.
        "form_fields": {
            k: [
                {
                    "key": f.get("key"),
                    "type": f.get("type"),
                    "label": label_text(f.get("label"), locale) or f.get("key"),
                }
                for f in b.get("fields") or []
                if f.get("type") != "subform"
            ]
            for k, b in sorted(forms.items())
        },
        "roles": [
            {"key": r.get("key"), "label": label_text(r.get("label"), locale) or r.get("key")}
            for r in app_body.get("roles") or []
        ],
        "teams": [
            {"key": t.key, "label": t.name}
            for t in session.scalars(select(Team).order_by(Team.key))
        ],
        "users": _users(session, app_key),
        "policies": _policies(session, app_key, form_key, locale),
        "records": _records(session, app_key, form_key),
    }


def _users(session: Session, app_key: str) -> list[dict[str, Any]]:
    users = session.scalars(
        select(User)
        .where(User.active.is_(True))
        .options(selectinload(User.app_roles), selectinload(User.platform_roles))
        .order_by(User.id)
        .limit(MAX_USERS)
    )
    return [
        {
            "id": u.id,
            "login": u.login,
            "name": u.display_name,
            "roles": sorted(g.role for g in u.app_roles if g.app_key == app_key),
        }
        for u in users
    ]


def _policies(
    session: Session, app_key: str, form_key: str | None, locale: str
) -> list[dict[str, Any]]:
    out = []
    for key, body in sorted(working_bodies(session, app_key, "sla").items()):
        if body.get("form") not in (None, form_key):
            continue
        nodes = (body.get("targets") or {}).get("nodes") or {}
        out.append(
            {
                "key": key,
                "label": label_text(body.get("label"), locale) or key,
                "order": body.get("order", 0),
                "condition": body.get("condition"),
                "nodes": {k: (v or {}).get("within") for k, v in nodes.items()},
            }
        )
    return out


def _records(session: Session, app_key: str, form_key: str | None) -> list[dict[str, Any]]:
    """The newest records of the form (published forms only), for the simulation picker."""
    if not form_key:
        return []
    try:
        runtime = load_form_runtime(session, app_key, form_key)
    except FormNotFound:
        return []
    table = runtime.store.table
    rows = session.execute(
        select(table.c.id, table.c.number)
        .where(table.c.deleted.is_(False))
        .order_by(table.c.id.desc())
        .limit(MAX_RECORDS)
    )
    return [{"id": row.id, "number": plain(row.number)} for row in rows]


__all__ = ["picker_data"]
