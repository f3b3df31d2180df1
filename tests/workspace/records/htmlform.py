"""A form read from a page and submitted the way a browser does, for tests without a browser.

:class:`PageForm` finds one ``<form>`` by its action, keeps each control with what the page
put in it (values, checked boxes, selected options, textarea text), lets a test type, tick,
choose and attach files, and builds the multipart submission a browser would send: only
successful controls, in document order, the pressed button only, nothing from inside a
``<template>``, and every line break sent as CRLF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from werkzeug.datastructures import MultiDict

_BUTTONS = ("submit", "button", "reset", "image")


@dataclass
class Control:
    """One named control of the form."""

    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)
    multiple: bool = False
    files: list[tuple[str, bytes, str]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.template_depth = 0
        self.controls: list[Control] = []
        self._text: Control | None = None  # the textarea or option being read
        self._select: Control | None = None
        self._option_text: list[str] | None = None
        self._option: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":
            self.template_depth += 1
        if tag == "form" and a.get("action") == self.action:
            self.inside = self.found = True
        if not self.inside or self.template_depth or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            self.controls.append(
                Control(a["name"], kind, a.get("value", "on" if kind == "checkbox" else ""),
                        checked="checked" in a)
            )  # fmt: skip
        elif tag == "textarea" and a.get("name"):
            self._text = Control(a["name"], "textarea")
            self.controls.append(self._text)
        elif tag == "select" and a.get("name"):
            self._select = Control(a["name"], "select", multiple="multiple" in a)
            self.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a}
            self._option_text = []
        elif tag == "button" and a.get("name") and a.get("type", "submit") == "submit":
            self.controls.append(Control(a["name"], "submit", a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.value += data
        elif self._option_text is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self.template_depth -= 1
        elif tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._text is not None:
            # A newline straight after <textarea> belongs to the markup, not to the value.
            self._text.value = self._text.value.removeprefix("\n")
            self._text = None
        elif tag == "option" and self._select is not None and self._option is not None:
            value = self._option["value"]
            text = "".join(self._option_text or []).strip()
            self._select.options.append((text if value is None else value,
                                         self._option["selected"]))  # fmt: skip
            self._option = self._option_text = None
        elif tag == "select":
            self._select = None


class PageForm:
    """The form of ``html`` whose ``action`` is ``action``, ready to fill in and submit."""

    def __init__(self, html: str, action: str) -> None:
        reader = _Reader(action)
        reader.feed(html)
        reader.close()
        assert reader.found, f"no form posting to {action} on the page"
        self.controls = reader.controls

    def _named(self, name: str) -> list[Control]:
        found = [c for c in self.controls if c.name == name]
        assert found, f"the form has no control named {name!r}"
        return found

    def type(self, name: str, text: str) -> None:
        """Type ``text`` into a text-like input or textarea (replacing what it held)."""
        (control,) = self._named(name)
        assert control.kind not in ("select", "checkbox", "radio", "file", *_BUTTONS), name
        control.value = text

    def choose(self, name: str, value: str) -> None:
        """Pick the option whose value is ``value`` in a single select."""
        (control,) = self._named(name)
        assert control.kind == "select" and not control.multiple, name
        assert value in [v for v, _ in control.options], f"{name} offers no option {value!r}"
        control.options = [(v, v == value) for v, _ in control.options]

    def tick(self, name: str, values: list[str]) -> None:
        """Check exactly the boxes named ``name`` whose values are in ``values``."""
        boxes = self._named(name)
        assert all(b.kind == "checkbox" for b in boxes), name
        missing = set(values) - {b.value for b in boxes}
        assert not missing, f"{name} has no box for {missing}"
        for box in boxes:
            box.checked = box.value in values

    def attach(self, name: str, filename: str, data: bytes, content_type: str) -> None:
        """Pick a file in a file input."""
        (control,) = self._named(name)
        assert control.kind == "file", name
        control.files.append((filename, data, content_type))

    def entries(self, pressed: tuple[str, str] | None = None) -> list[tuple[str, Any]]:
        """The form data set: (name, text) pairs, files as (stream, name, type) triples."""
        data: list[tuple[str, Any]] = []
        for control in self.controls:
            if control.kind in _BUTTONS:
                if pressed == (control.name, control.value):
                    data.append((control.name, control.value))
            elif control.kind in ("checkbox", "radio"):
                if control.checked:
                    data.append((control.name, control.value))
            elif control.kind == "select":
                chosen = [v for v, selected in control.options if selected]
                if not chosen and not control.multiple and control.options:
                    chosen = [control.options[0][0]]
                data += [(control.name, v) for v in chosen]
            elif control.kind == "file":
                picked = control.files or [("", b"", "application/octet-stream")]
                data += [(control.name, (io.BytesIO(b), n, t)) for n, b, t in picked]
            else:
                data.append((control.name, control.value))
        if pressed is not None:
            assert (pressed[0], pressed[1]) in data, f"no button {pressed} on the form"
        return [(k, _crlf(v)) for k, v in data]

    def submission(self, pressed: tuple[str, str] | None = None) -> MultiDict:
        """What a browser posts (multipart/form-data) when ``pressed`` (or Enter) submits."""
        return MultiDict(self.entries(pressed))

    def values(self) -> dict[str, list[str]]:
        """The text each successful control would send, by name (files left out)."""
        shown: dict[str, list[str]] = {}
        for name, value in self.entries():
            if isinstance(value, str):
                shown.setdefault(name, []).append(value)
        return shown


def _crlf(value: Any) -> Any:
    """Browsers send every line break in form data as CRLF."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
