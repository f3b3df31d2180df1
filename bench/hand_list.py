"""The hand-written work-order list page that bench/records.py times ServiceKit's against.

What a developer would write for this one list without ServiceKit: one query joining the
customer and equipment the rows name, the option labels and title written into the code,
times shown in the reader's zone, the matching records counted up to 1,000 as the
product's heading does, and a table inside the product's page layout. It shows the same
cells as ServiceKit's list page (the bench compares them before timing), so both sides do
the work a reader sees; filter builder, column chooser and sort links are ServiceKit's
extra and are not copied here.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

# The sample app's option labels, as a hand-written page would spell them out.
LABELS = {
    "zh": {
        "fault_type": {
            "electrical": "电气故障",
            "mechanical": "机械故障",
            "software": "软件故障",
            "installation": "安装调试",
            "maintenance": "保养",
        },
        "priority": {"urgent": "紧急", "high": "高", "normal": "普通"},
    },
    "en": {
        "fault_type": {
            "electrical": "Electrical",
            "mechanical": "Mechanical",
            "software": "Software",
            "installation": "Installation",
            "maintenance": "Maintenance",
        },
        "priority": {"urgent": "Urgent", "high": "High", "normal": "Normal"},
    },
}
COUNT_CAP = 1000

TEMPLATE = """{% extends "base.html" %}{% block content %}
<h1 class="h4">工单</h1>
<form method="post" action="/bench/bulk-delete">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<table class="table table-hover table-sm align-middle text-nowrap" id="records">
<thead><tr><th></th><th>编号</th><th>客户</th><th>设备</th><th>故障类型</th><th>优先级</th>
<th>预约上门时间</th><th>更新时间</th></tr></thead>
<tbody>
{% for row in rows %}<tr data-record-id="{{ row.id }}">
<td class="text-center"><input class="form-check-input" type="checkbox" name="ids" value="{{ row.id }}" aria-label="选择 {{ row.number }}"></td>
<td class="text-nowrap"><a href="/apps/after_sales/forms/work_order/records/{{ row.id }}">{{ row.number }}</a></td>
<td>{{ row.customer }}</td><td>{{ row.equipment }}</td><td>{{ row.fault_type }}</td>
<td>{{ row.priority }}</td><td>{{ row.appointment_at }}</td>
<td class="text-nowrap small text-body-secondary">{{ row.updated_at }}</td></tr>
{% endfor %}</tbody></table>
{% if total is not none %}<span id="record-count">{% if total > cap %}超过 {{ '{:,}'.format(cap) }} 条{% else %}{{ total }} 条{% endif %}</span>{% endif %}
</form>
{% endblock %}"""


def _moment(value: Any, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


def urgent_orders(
    session: Any, tables: dict[str, Any], locale: str, tz: ZoneInfo, *, count: bool = True
) -> dict:
    """The first 25 urgent work orders, ready to show, and how many there are (capped).

    Without ``count`` the page leaves out the count line (a reference row of the bench:
    the same cells with no count query at all)."""
    orders, customers, equipment = tables["work_order"], tables["customer"], tables["equipment"]
    matching = (orders.c.deleted.is_(False), orders.c.priority == "urgent")
    query = (
        select(
            orders.c.id,
            orders.c.number,
            orders.c.fault_type,
            orders.c.priority,
            orders.c.appointment_at,
            orders.c.updated_at,
            customers.c.name,
            equipment.c.model,
            equipment.c.serial_no,
        )
        .select_from(
            orders.outerjoin(customers, customers.c.id == orders.c.customer).outerjoin(
                equipment, equipment.c.id == orders.c.equipment
            )
        )
        .where(*matching)
        .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        .limit(25)
    )
    labels = LABELS["zh" if locale.startswith("zh") else "en"]
    rows = [
        {
            "id": row.id,
            "number": row.number,
            "customer": row.name or "",
            "equipment": f"{row.model} {row.serial_no}" if row.model else "",
            "fault_type": labels["fault_type"].get(row.fault_type, row.fault_type or ""),
            "priority": labels["priority"].get(row.priority, row.priority or ""),
            "appointment_at": _moment(row.appointment_at, tz),
            "updated_at": _moment(row.updated_at, tz),
        }
        for row in session.execute(query)
    ]
    if not count:
        return {"rows": rows, "total": None, "cap": COUNT_CAP}
    capped = select(orders.c.id).where(*matching).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped))
    return {"rows": rows, "total": total, "cap": COUNT_CAP}
