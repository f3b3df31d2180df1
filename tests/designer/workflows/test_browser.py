"""The workflow designer in a real browser: build a workflow with the palette, by dragging
and in the panels only, and watch the simulation report a guard that blocks."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from servicekit.platform.db import get_db
from servicekit.platform.metadata.schemas import schema_problems
from servicekit.runtime.forms import load_form_runtime
from tests.platform.packages.conftest import SAMPLE_APP, install

pytestmark = pytest.mark.browser

DRAFT = "/designer/api/apps/after_sales/workflow/{key}/draft"


class Counter:
    """Counts what the builder does: clicks, drags and groups of keystrokes."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.actions: list[str] = []

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.actions.append("click " + selector)

    def check(self, selector: str) -> None:
        self.page.check(selector)
        self.actions.append("click " + selector)

    def type(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)
        self.actions.append("type " + selector)

    def select(self, selector: str, value: str) -> None:
        self.page.select_option(selector, value)
        self.actions.append("select " + selector)

    def _at(self, what: str, key: str) -> tuple[float, float]:
        self.page.locator("#wf-canvas").scroll_into_view_if_needed()
        return self.page.evaluate(
            """([what, key]) => {
                 const cy = skWf.cy;
                 const el = cy.getElementById(key);
                 const p = what === "node" ? el.renderedPosition() : el.renderedMidpoint();
                 const box = cy.container().getBoundingClientRect();
                 return [box.left + p.x, box.top + p.y];
               }""",
            [what, key],
        )

    def click_node(self, key: str) -> None:
        self.page.mouse.click(*self._at("node", key))
        self.actions.append("click node " + key)

    def click_edge(self, source: str, target: str) -> None:
        index = self.page.evaluate(
            "([s, t]) => skWf.body.edges.findIndex((e) => e.from === s && e.to === t)",
            [source, target],
        )
        self.page.mouse.click(*self._at("edge", f"e{index}"))
        self.actions.append(f"click edge {source}->{target}")

    def connect(self, source: str, target: str) -> None:
        """Drag from one node to another (in Connect mode)."""
        x1, y1 = self._at("node", source)
        x2, y2 = self._at("node", target)
        self.page.mouse.move(x1, y1)
        self.page.mouse.down()
        self.page.mouse.move(x2, y2, steps=8)
        # Edge handles snap to the target a moment after the pointer arrives.
        self.page.wait_for_function(
            "k => skWf.cy.getElementById(k).hasClass('eh-target')", arg=target
        )
        self.page.mouse.up()
        self.page.wait_for_function(
            "([s, t]) => skWf.body.edges.some((e) => e.from === s && e.to === t)",
            arg=[source, target],
        )
        self.actions.append(f"drag {source}->{target}")

    def drag_palette(self, kind: str, x: float, y: float) -> None:
        self.page.drag_and_drop(
            f".wf-palette-item[data-kind={kind}]", "#wf-canvas", target_position={"x": x, "y": y}
        )
        self.actions.append("drag palette " + kind)


def open_designer(browser: Any, key: str) -> Any:
    install(browser.app, SAMPLE_APP)
    browser.login()
    page = browser.page
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(browser.url(f"/designer/apps/after_sales/workflows/{key}"))
    page.wait_for_selector("#wf[data-ready='1']")
    return page


def saved_draft(page: Any, key: str) -> dict[str, Any]:
    page.evaluate("() => skDraft.flush()")
    page.wait_for_function("() => skDraft.state === 'saved' && !skDraft._pending")
    return page.request.get(page.url.split("/designer")[0] + DRAFT.format(key=key)).json()


def test_build_a_four_node_workflow_with_a_guarded_gateway_by_dragging_and_panels(
    browser: Any,
) -> None:
    page = open_designer(browser, "repair")
    user = Counter(page)
    # A new workflow starts with its start node; it is bound to the work order form.
    user.select("#wf-form", "work_order")
    page.wait_for_function("() => skWf.ctx.fields.some((f) => f.key === 'priority')")
    user.drag_palette("task", 250, 120)
    user.click(".wf-palette-item[data-kind=exclusive]")
    user.click(".wf-palette-item[data-kind=task]")
    user.click(".wf-palette-item[data-kind=end]")
    assert page.evaluate("() => skWf.body.nodes.map((n) => n.key)") == [
        "start",
        "task_1",
        "exclusive_1",
        "task_2",
        "end_1",
    ]
    user.click("#wf-connect")
    user.connect("start", "task_1")
    user.connect("task_1", "exclusive_1")
    user.connect("exclusive_1", "task_2")
    user.connect("exclusive_1", "end_1")
    user.connect("task_2", "end_1")
    user.click("#wf-connect")

    # The guard goes on the gateway's edge to task_2; the default path moves to the other.
    user.click_edge("exclusive_1", "task_2")
    user.type("#wf-guard-input", 'priority = "urgent"')
    page.wait_for_selector("#wf-guard[data-state=ok]")
    page.wait_for_function("() => skWf.body.edges[2].guard === 'priority = \"urgent\"'")

    user.click_node("task_1")
    user.type("#wf-node-zh", "受理")
    user.check("tr[data-field=priority] input[value=required]")
    user.check("tr[data-field=labor_cost] input[value=hidden]")
    user.click_node("task_2")
    user.click("#wf-copy-rights")
    user.check("tr[data-field=resolution] input[value=editable]")

    data = saved_draft(page, "repair")
    body = data["body"]
    assert schema_problems("workflow", body) == []
    assert data["problems"] == []
    edges = {(e["from"], e["to"]): e for e in body["edges"]}
    assert edges[("exclusive_1", "task_2")]["guard"] == 'priority = "urgent"'
    assert "default" not in edges[("exclusive_1", "task_2")]
    assert edges[("exclusive_1", "end_1")]["default"] is True
    nodes = {n["key"]: n for n in body["nodes"]}
    assert nodes["task_1"]["label"]["zh"] == "受理"
    assert nodes["task_1"]["fields"] == {"priority": "required", "labor_cost": "hidden"}
    assert nodes["task_2"]["fields"] == {
        "priority": "required",
        "labor_cost": "hidden",
        "resolution": "editable",
    }
    assert nodes["task_1"]["assignment"] == {"strategy": "pool", "role": "agent"}
    assert set(body["layout"]["nodes"]) == set(nodes)
    print(f"\nworkflow designer: {len(user.actions)} user actions")
    assert len(user.actions) <= 21

    # The node's SLA limit is saved in the SLA policy; an action can be kept to some roles.
    user.click_node("task_1")
    page.fill(".wf-sla-input[data-policy=urgent]", "30m")
    page.wait_for_function("() => /SLA/.test(document.getElementById('wf-sla-state').textContent)")
    base = page.url.split("/designer")[0]
    urgent = page.request.get(base + "/designer/api/apps/after_sales/sla/urgent/draft").json()
    assert urgent["body"]["targets"]["nodes"]["task_1"] == {"within": "30m"}
    assert urgent["body"]["targets"]["nodes"]["dispatch"]["within"] == "30m"  # kept
    user.click_edge("task_1", "exclusive_1")
    page.check("#wf-edge-role-dispatcher")
    roles = saved_draft(page, "repair")["body"]["nodes"][1]["roles"]
    assert roles == {"to_exclusive_1": ["dispatcher"]}

    # Moving a node keeps its place in the draft.
    before = body["layout"]["nodes"]["end_1"]
    x, y = user._at("node", "end_1")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 60, steps=5)
    page.mouse.up()
    after = saved_draft(page, "repair")["body"]["layout"]["nodes"]["end_1"]
    assert after != before


def test_problems_show_on_the_node_they_concern(browser: Any) -> None:
    page = open_designer(browser, "broken")
    page.click(".wf-palette-item[data-kind=exclusive]")
    saved_draft(page, "broken")
    page.wait_for_function("() => skWf.cy.getElementById('exclusive_1').hasClass('problem')")
    page.click("#wf-canvas")  # select nothing, then the gateway
    Counter(page).click_node("exclusive_1")
    problems = page.locator("#wf-element-problems li").all_inner_texts()
    assert any("exclusive_1" in text and "default" in text for text in problems)


def test_simulation_reports_the_blocking_guard_with_its_expression_and_values(
    browser: Any,
) -> None:
    page = open_designer(browser, "work_order")
    with get_db(browser.app).transaction() as session:
        customers = load_form_runtime(session, "after_sales", "customer").source.table
        customer = session.scalar(select(customers.c.id).order_by(customers.c.id).limit(1))
    page.fill("#wf-sim-v-customer", str(customer))
    page.select_option("#wf-sim-v-fault_type", "electrical")
    page.select_option("#wf-sim-v-priority", "normal")
    page.fill("#wf-sim-v-resolution", "换了压缩机")
    page.fill("#wf-sim-v-parts", '[{"part_name": "压缩机", "qty": 2, "unit_price": "300.00"}]')
    page.select_option("#wf-sim-user", label="Admin (admin)")
    page.click("#wf-sim-start")
    for action in ("accept", "dispatch", "complete"):
        page.locator(f".wf-sim-step:last-child .wf-sim-action[data-action={action}]").click()
        page.wait_for_function(
            "n => document.querySelectorAll('.wf-sim-step').length === n",
            arg=["accept", "dispatch", "complete"].index(action) + 2,
        )
    blocked = page.locator(".wf-sim-step:last-child .wf-sim-trail .wf-guard[data-holds=false]")
    assert (
        blocked.locator(".wf-guard-expression").inner_text()
        == "SUM(parts, qty * unit_price) > 1000"
    )
    values = blocked.locator(".wf-guard-values").inner_text()
    assert "parts.qty" in values and "[2]" in values
    assert "parts.unit_price" in values and '["300.00"]' in values
    assert (
        "SUM(parts, qty * unit_price) → 600.00" in blocked.locator(".wf-guard-explain").inner_text()
    )
    # The gateway took its default path to the follow-up.
    assert (
        page.locator(".wf-sim-step:last-child .wf-sim-task").get_attribute("data-node")
        == "follow_up"
    )


def test_the_designer_works_at_phone_width(browser: Any) -> None:
    page = open_designer(browser, "work_order")
    page.set_viewport_size({"width": 375, "height": 800})
    canvas = page.locator("#wf-canvas").bounding_box()
    panel = page.locator("#wf-panel").bounding_box()
    assert canvas["width"] > 300
    assert panel["y"] >= canvas["y"] + canvas["height"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
