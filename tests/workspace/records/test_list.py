"""The record list: columns, quick search, filter builder, typed rules, sort and cursor pages."""

from __future__ import annotations

import io
import re
import zipfile

from tests.workspace.records.conftest import BASE


def _numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/apps/after_sales/forms/work_order/records/\d+">([^<]+)</a>', html)


def test_list_shows_labels_and_pages_with_a_cursor(sample, client, auth):
    auth.login()
    page = client.get(BASE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "工单" in html and "故障类型" in html
    first = _numbers(html)
    assert len(first) == 25
    # Over a thousand work orders: the heading stops counting there, until asked for all.
    assert 'id="record-count">超过 1,000 条<' in html
    everything = re.search(r'id="count-all" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    counted = client.get(everything).get_data(as_text=True)
    total = int(re.search(r'id="record-count">共 (\d+) 条<', counted).group(1))
    assert total > 1000 and _numbers(counted) == first
    # A list that fits on one page counts its own rows.
    few = client.get(BASE + "?q=" + first[0]).get_data(as_text=True)
    assert 'id="record-count">共 1 条<' in few
    # Select values appear as their labels in the reader's language.
    assert "电气故障" in html or "机械故障" in html
    cursor = re.search(r'id="next-page" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    second = _numbers(client.get(cursor).get_data(as_text=True))
    assert len(second) == 25 and not set(first) & set(second)
    assert 'id="first-page"' in client.get(cursor).get_data(as_text=True)


def test_htmx_gets_only_the_table(sample, client, auth):
    auth.login()
    fragment = client.get(BASE + "?q=WO", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="record-table">')
    assert "<html" not in fragment


def test_quick_search_finds_by_number_and_text(sample, client, auth):
    auth.login()
    html = client.get(BASE).get_data(as_text=True)
    number = _numbers(html)[3]
    found = _numbers(client.get(BASE + f"?q={number}").get_data(as_text=True))
    assert found == [number]
    assert 'id="no-records"' in client.get(BASE + "?q=zzzz-nothing").get_data(as_text=True)


def test_filter_builder_and_typed_rule_restrict_rows(sample, client, auth, db):
    from sqlalchemy import text

    auth.login()
    urgent = db.execute(
        text("SELECT count(*) FROM rec_after_sales_work_order WHERE priority = 'urgent'")
    ).scalar_one()
    html = client.get(BASE + "?ff=priority&fo=eq&fv=urgent&cols=priority").get_data(as_text=True)
    rows = re.findall(r"<tr data-record-id", html)
    assert 0 < len(rows) == min(urgent, 25)
    body = html.split("<tbody>")[1]
    assert "紧急" in body and "普通" not in body
    typed = client.get(BASE + '?expr=priority+%3D+"urgent"&cols=priority').get_data(as_text=True)
    assert _numbers(typed) == _numbers(html)


def test_broken_rule_shows_line_and_column(sample, client, auth):
    auth.login()
    html = client.get(BASE + "?expr=priority+%3D%3D%3D+1").get_data(as_text=True)
    assert 'id="filter-problems"' in html
    assert re.search(r"line 1, column \d+|第 1 行第 \d+ 列", html)
    assert "data-record-id" not in html


def test_sort_by_column_orders_rows(sample, client, auth, db):
    from sqlalchemy import text

    auth.login()
    html = client.get(BASE + "?sort=number&desc=0").get_data(as_text=True)
    smallest = db.execute(
        text("SELECT min(number) FROM rec_after_sales_work_order WHERE deleted = :f"),
        {"f": False},
    ).scalar_one()
    numbers = _numbers(html)
    assert numbers[0] == smallest and numbers == sorted(numbers)


def test_chosen_columns_and_decimal_formatting(sample, client, auth):
    auth.login()
    html = client.get(BASE + "?cols=total_cost&cols=labor_cost&sort=total_cost&desc=1").get_data(
        as_text=True
    )
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert "总费用" in head and "人工费" in head and "客户" not in head
    cells = re.findall(r'<td class="text-end text-nowrap">([^<]*)</td>', html)
    assert cells and all(re.fullmatch(r"[\d,]+\.\d\d|", c) for c in cells)
    assert any("," in c for c in cells)


def test_bulk_delete_asks_then_moves_to_trash_and_admin_restores(sample, client, auth):
    auth.login()
    html = client.get(BASE + "?sort=number&desc=0").get_data(as_text=True)
    ids = re.findall(r'name="ids" value="(\d+)"', html)[:2]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    confirm = client.post(BASE + "/bulk-delete", data={"ids": ids, "csrf_token": token})
    assert confirm.status_code == 200 and 'id="confirm-delete"' in confirm.get_data(as_text=True)
    assert set(
        re.findall(
            r'name="ids" value="(\d+)"',
            client.get(BASE + "?sort=number&desc=0").get_data(as_text=True),
        )
    ) >= set(ids)
    done = client.post(
        BASE + "/bulk-delete", data={"ids": ids, "confirm": "1", "csrf_token": token}
    )
    assert done.status_code == 302
    left = client.get(BASE + "?sort=number&desc=0").get_data(as_text=True)
    assert not set(ids) & set(re.findall(r'name="ids" value="(\d+)"', left))
    trash = client.get(BASE + "?trash=1").get_data(as_text=True)
    assert all(f'data-record-id="{i}"' in trash for i in ids)
    client.post(f"{BASE}/records/{ids[0]}/restore", data={"csrf_token": token})
    assert f'data-record-id="{ids[0]}"' not in client.get(BASE + "?trash=1").get_data(as_text=True)


def test_saved_view_reopens_its_filter(sample, client, auth):
    auth.login()
    html = client.get(BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post(
        BASE + "/views",
        data={"name": "急单", "ff": "priority", "fo": "eq", "fv": "urgent", "csrf_token": token},
    )
    html = client.get(BASE).get_data(as_text=True)
    view_url = re.search(r'href="([^"]+view=\d+)">急单</a>', html).group(1)
    opened = client.get(view_url.replace("&amp;", "&"), follow_redirects=True).get_data(
        as_text=True
    )
    assert 'value="urgent"' in opened


def test_user_without_rights_gets_404_and_no_new_button(sample, client, auth):
    from tests.workspace.records.conftest import grant

    grant(sample, "stranger")
    auth.login("stranger")
    assert client.get(BASE).status_code == 404
    grant(sample, "tech", "engineer")
    auth.logout()
    auth.login("tech")
    html = client.get(BASE).get_data(as_text=True)
    assert 'id="new-record"' not in html
    # Engineers see only orders assigned to them: none yet.
    assert "data-record-id" not in html
    assert client.get(BASE + "/new").status_code == 403


def test_the_list_offers_export_of_what_it_shows_and_import(sample, client, auth):
    auth.login()
    html = client.get(BASE + "?q=泵体").get_data(as_text=True)
    link = re.search(r'id="export-csv" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "q=" in link
    exported = client.get(link)
    assert exported.status_code == 200
    # Work orders have spare-part rows, so the CSV export is a zip of two files.
    with zipfile.ZipFile(io.BytesIO(exported.get_data())) as archive:
        text = archive.read("work_order.csv").decode("utf-8-sig")
    lines = [line for line in text.splitlines()[1:] if line.strip()]
    assert lines and all("泵体" in line for line in lines)
    assert 'id="import-records"' in html and 'id="export-xlsx"' in html


def test_lookup_columns_show_each_target_title(sample, client, auth, db):
    """Customer and equipment cells show the target's title (name; model and serial)."""
    from sqlalchemy import text

    auth.login()
    html = client.get(BASE + "?cols=customer&cols=equipment").get_data(as_text=True)
    rows = re.findall(r'<tr data-record-id="(\d+)">(.*?)</tr>', html, re.S)
    assert len(rows) == 25
    expected = {
        row.id: (row.name or "", f"{row.model} {row.serial_no}" if row.model else "")
        for row in db.execute(
            text(
                "SELECT w.id, c.name, e.model, e.serial_no FROM rec_after_sales_work_order w"
                " LEFT JOIN rec_after_sales_customer c ON c.id = w.customer"
                " LEFT JOIN rec_after_sales_equipment e ON e.id = w.equipment"
            )
        )
    }
    for record_id, body in rows:
        cells = re.findall(r"<td>([^<]*)</td>", body)
        assert tuple(cells[:2]) == expected[int(record_id)]
    assert any(cells[1] for _, body in rows for cells in [re.findall(r"<td>([^<]*)</td>", body)])
