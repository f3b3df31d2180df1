"""Report and dashboard pages: chart data, table, filters, drill-down within scope, exports."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.workspace.reports.conftest import Installed

NUMBER = re.compile(r"WO-\d{8}-\d{4}")


def _data(client: Any, key: str, **args: str) -> dict[str, Any]:
    response = client.get(f"/apps/after_sales/reports/{key}/data", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _count(client: Any, url: str) -> tuple[int, set[str]]:
    """How many records the list at ``url`` says it holds, and the numbers on its first page."""
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'id="record-count">\D*([\d,]+)', page)
    assert found, page[:2000]
    return int(found.group(1).replace(",", "")), set(NUMBER.findall(page))


def test_the_report_page_shows_chart_table_and_exports(installed: Installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    page = client.get("/apps/after_sales/reports/top_fault_types?range=all")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-chart-url="/apps/after_sales/reports/top_fault_types/data?range=all"' in text
    assert "echarts" in text and 'id="report-table"' in text
    assert "电气故障" in text or "Electrical" in text
    fragment = client.get(
        "/apps/after_sales/reports/top_fault_types?range=all", headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers.get("Vary", "")


def test_agents_and_engineers_see_different_totals(installed: Installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    everyone = _data(client, "backlog", range="all")["rows"][0]["values"][0]
    orders = sum(row["values"][0] for row in _data(client, "top_fault_types", range="all")["rows"])
    auth.logout()
    auth.login("eng_b")
    mine = sum(row["values"][0] for row in _data(client, "top_fault_types", range="all")["rows"])
    assert mine == len(installed.assigned["eng_b"])
    assert mine < orders
    assert _data(client, "backlog", range="all")["rows"][0]["values"][0] <= everyone


def test_drill_down_lists_the_records_behind_a_bar_and_only_readable_ones(
    installed: Installed, client, auth
) -> None:  # type: ignore[no-untyped-def]
    auth.login("eng_b")
    data = _data(client, "top_fault_types", range="all")
    assert data["rows"]
    for row in data["rows"]:
        total, numbers = _count(client, row["drill"][0])
        assert total == row["values"][0]
        assert numbers <= installed.assigned["eng_b"]
        urgent_total, urgent_numbers = _count(client, row["drill"][1])
        assert urgent_total == row["values"][1]
        assert urgent_numbers <= numbers | installed.assigned["eng_b"]


def test_drill_down_of_a_date_bucket_and_a_kpi(installed: Installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    data = _data(client, "orders_per_day", range="all")
    for row in data["rows"][:5]:
        total, _ = _count(client, row["drill"][0])
        assert total == row["values"][0]
        rule = parse_qs(urlsplit(row["drill"][0]).query)["expr"][0]
        assert "appointment_at >= DATETIME(" in rule and "priority = " in rule
    backlog = _data(client, "backlog", range="all")["rows"][0]
    assert _count(client, backlog["drill"][0])[0] == backlog["values"][0]


def test_the_date_range_and_select_filters_change_the_numbers(
    installed: Installed, client, auth
) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    everything = sum(r["values"][0] for r in _data(client, "orders_per_day", range="all")["rows"])
    october = _data(
        client, "orders_per_day", range="custom", **{"from": "2026-10-01", "to": "2026-10-31"}
    )
    assert {r["keys"][0][:7] for r in october["rows"]} == {"2026-10"}
    in_october = sum(r["values"][0] for r in october["rows"])
    assert 0 < in_october < everything
    urgent = _data(client, "orders_per_day", range="all", f_priority="urgent")
    assert {r["keys"][1] for r in urgent["rows"]} == {"urgent"}


def test_exports_carry_the_result_table(installed: Installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    auth.login("agent")
    data = _data(client, "top_fault_types", range="all")
    response = client.get("/apps/after_sales/reports/top_fault_types/export.csv?range=all")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(data["rows"]) + 1
    assert [int(v) for v in rows[1][1:]] == data["rows"][0]["values"]
    response = client.get("/apps/after_sales/reports/top_fault_types/export.xlsx?range=all")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[1][1:]) == data["rows"][0]["values"]
    assert values[1][0] == rows[1][0]


def test_the_dashboard_lays_out_its_widgets_with_shared_filters(
    installed: Installed, client, auth
) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    page = client.get("/apps/after_sales/dashboards/service").get_data(as_text=True)
    for key in (
        "backlog",
        "first_time_fix",
        "nps",
        "orders_per_day",
        "top_models",
        "first_time_fix_trend",
    ):
        assert f'id="widget-{key}"' in page
    # The dashboard opens on the whole year of demo data.
    assert 'value="last_12_months" selected' in page
    assert "最近 12 个月" in page and "日期范围" in page  # the default language is Chinese
    assert 'name="f_priority"' in page
    assert "col-12 col-md-6" in page  # stacks on phones, two per row from tablets up
    # KPI cards get the comparison text with a slot for the script to fill, not "{}".
    assert 'data-previous-text="上一周期：%s"' in page
    narrowed = client.get(
        "/apps/after_sales/dashboards/service?range=custom&from=2026-09-01&to=2026-09-30&f_priority=high",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "<html" not in narrowed
    urls = [html.unescape(u) for u in re.findall(r'data-chart-url="([^"]+)"', narrowed)]
    assert urls and all("from=2026-09-01" in u and "f_priority=high" in u for u in urls)


def test_unknown_reports_and_strangers(installed: Installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/apps/after_sales/reports/nps").status_code in (302, 401)
    auth.login("agent")
    assert client.get("/apps/after_sales/reports/nothing").status_code == 404
    assert client.get("/apps/after_sales/dashboards/nothing").status_code == 404
    assert client.get("/apps/nothing/reports/nps").status_code == 404
    assert client.get("/apps/after_sales/reports/nps/export.pdf").status_code == 404
    auth.logout()
    auth.login("visitor")  # no role in the app: its reports do not exist for them
    assert client.get("/apps/after_sales/reports/nps").status_code == 404


def test_the_app_menu_opens_the_service_dashboard(installed: Installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    page = client.get("/apps/after_sales").get_data(as_text=True)
    assert 'href="/apps/after_sales/dashboards/service"' in page


def test_a_pivot_report_crosses_its_two_dimensions(installed: Installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    data = _data(client, "orders_by_month", range="all")
    page = client.get("/apps/after_sales/reports/orders_by_month?range=all").get_data(as_text=True)
    pivot = page[page.index('id="report-pivot"') : page.index('id="report-table"')]
    months = {row["labels"][0] for row in data["rows"]}
    priorities = {row["labels"][1] for row in data["rows"]}
    assert pivot.count('<th scope="row">') == len(months)
    assert all(p in pivot for p in priorities)
    assert pivot.count("<a href=") == len(data["rows"])


def test_shared_filters_only_pick_values_of_select_and_text_fields(
    installed: Installed, client, auth
) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    everything = _data(client, "backlog", range="all")["rows"][0]["values"][0]
    odd = _data(client, "backlog", range="all", **{"f_appointment_at": "x", "f_customer.name": "y"})
    assert odd["rows"][0]["values"][0] == everything


def test_a_kpi_comes_with_the_previous_period_of_the_same_length(
    installed: Installed, client, auth
) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    october = _data(client, "nps", range="custom", **{"from": "2026-10-01", "to": "2026-10-31"})
    september = _data(client, "nps", range="custom", **{"from": "2026-08-31", "to": "2026-09-30"})
    august = _data(client, "nps", range="custom", **{"from": "2026-08-01", "to": "2026-08-31"})
    assert october["previous"] == september["rows"][0]["values"]
    assert october["previous"] != august["rows"][0]["values"]  # the length is right, not a month
    assert "previous" not in _data(client, "nps", range="all")
