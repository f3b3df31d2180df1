"""Where the workflow designer puts a new node: a clicked palette item goes in the last row
or below the graph, clear of every node and edge; a dropped one lands at the drop point,
nudged clear of the node it was dropped on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.designer.workflows.test_browser import Counter, open_designer

pytestmark = pytest.mark.browser

# The model-space boxes of the new node and of every other node and edge.
BOXES = """(key) => {
  const cy = skWf.cy;
  const box = (el) => { const b = el.boundingBox(); return {x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2}; };
  const others = cy.elements().filter((el) => el.id() !== key && !el.connectedNodes().some((n) => n.id() === key));
  return {mine: box(cy.getElementById(key)),
          nodes: others.nodes().map(box), edges: others.edges().map(box)};
}"""


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]


def test_clicked_nodes_go_below_the_graph_clear_of_nodes_and_edges(browser: Any) -> None:
    page = open_designer(browser, "repair")
    # A bottom row whose slot to the right is crossed by an edge coming down from the right.
    page.evaluate(
        """() => {
             skWf.addNode("task", {x: 600, y: 236});
             skWf.addNode("end", {x: 80, y: 300});
             skWf.addEdge("task_1", "end_1");
           }"""
    )
    for number in (2, 3, 4):
        page.click(".wf-palette-item[data-kind=task]")
        boxes = page.evaluate(BOXES, f"task_{number}")
        assert not [b for b in boxes["nodes"] + boxes["edges"] if overlaps(boxes["mine"], b)]


def test_a_node_dropped_on_another_is_nudged_clear_of_it(browser: Any) -> None:
    page = open_designer(browser, "work_order")
    x, y = Counter(page)._at("node", "dispatch")
    box = page.locator("#wf-canvas").bounding_box()
    Counter(page).drag_palette("approval", x - box["x"], y - box["y"])
    page.wait_for_function("() => skWf.node('approval_1')")
    boxes = page.evaluate(BOXES, "approval_1")
    assert not [b for b in boxes["nodes"] if overlaps(boxes["mine"], b)]
    # It stays near where it was dropped (straight below the node it was dropped on).
    dispatch = page.evaluate("() => skWf.body.layout.nodes.dispatch")
    mine = page.evaluate("() => skWf.body.layout.nodes.approval_1")
    assert abs(mine["x"] - dispatch["x"]) < 5 and mine["y"] > dispatch["y"]
