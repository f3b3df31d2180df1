"""Browser helpers for designer tests: drag-and-drop with the mouse (SortableJS in fallback
mode follows real pointer events) and a count of the user actions a flow takes.

Reused by the end-to-end designer test, which must build a whole app in under 80 actions.
"""

from __future__ import annotations

from typing import Any


class Actions:
    """A Playwright page wrapper that counts clicks, drags, selections and typed fields."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.locator(selector).first.click()

    def fill(self, selector: str, text: str) -> None:
        """One keystroke group: typing a value into one input."""
        self.count += 1
        self.page.locator(selector).first.fill(text)

    def type(self, selector: str, text: str) -> None:
        """One keystroke group typed at the caret (keeps what the box holds)."""
        self.count += 1
        box = self.page.locator(selector).first
        box.press("End")
        box.press_sequentially(text)

    def select(self, selector: str, **option: str) -> None:
        self.count += 1
        self.page.locator(selector).first.select_option(**option)

    def drag(self, source: str, target: str, *, x: float = 0.5, y: float = 0.5) -> None:
        """Press on ``source``, move in small steps to ``target`` (at fraction x, y of its
        box), release: what a person does, and what SortableJS's fallback mode listens to."""
        self.count += 1
        page = self.page
        start = page.locator(source).first.bounding_box()
        assert start, f"cannot drag {source}: not visible"
        sx, sy = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
        page.mouse.move(sx, sy)
        page.mouse.down()
        page.mouse.move(sx + 6, sy + 6, steps=3)  # past Sortable's drag threshold
        # Aim once the drag has begun, and again on arrival: the canvas opens gaps between
        # rows while dragging and makes room for the dragged field, so targets move.
        for steps in (15, 5):
            end = page.locator(target).first.bounding_box()
            assert end, f"cannot drag to {target}: not visible"
            tx, ty = end["x"] + end["width"] * x, end["y"] + end["height"] * y
            page.mouse.move(tx, ty, steps=steps)
        page.mouse.move(tx + 1, ty + 1, steps=2)
        page.mouse.up()
