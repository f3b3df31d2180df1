"""Typed objects loaded from validated metadata, as the runtime and the UI shell read them."""

from __future__ import annotations

from servicekit.platform.metadata import AppDef, FormDef, Manifest, PermissionDef

from ._fixtures import load


def test_form_layout_options_permissions_and_indexes() -> None:
    form = FormDef.from_dict("after_sales", load("after_sales/forms/work_order.json"))
    assert [tab.key for tab in form.layout.tabs] == ["request", "service"]
    assert form.layout.all_sections[0].field_keys == (
        "customer",
        "priority",
        "subject",
        "description",
    )
    assert form.layout.all_sections[1].columns == 2
    priority = form.field("priority")
    assert [o.value for o in priority.options] == ["low", "normal", "urgent"]
    assert priority.options[2].label_for("en") == "Urgent"
    assert priority.options[2].color == "danger"
    assert form.field("subject").required and not form.field("description").required
    assert form.field("subject").label_for("zh_CN") == "主题"
    assert form.label_for("en") == "Work order"
    assert form.permissions["engineer"] == PermissionDef(
        create=False, read=True, update=True, delete=False, scope="engineer == user"
    )
    assert form.indexes[0].fields == ("priority", "due")
    assert form.validations[0].field == "due"
    assert form.title == "{{ number }} {{ subject }}"
    # What storage already relies on keeps working.
    assert [f.key for f in form.subforms] == ["parts"]
    assert form.field("parts_total").value_type == "decimal"


def test_a_form_without_layout_gets_one_field_per_row() -> None:
    body = {
        "key": "note",
        "label": "Note",
        "fields": [
            {"key": "a", "type": "text", "label": "A"},
            {"key": "b", "type": "date", "label": {"en": "B"}},
        ],
    }
    form = FormDef.from_dict("x", body)
    assert form.layout.tabs == ()
    assert form.layout.sections[0].rows == (("a",), ("b",))
    assert form.field("b").label_for("zh_CN") == "B"  # falls back to the other language
    assert form.field("a").options == ()
    assert form.permissions == {}


def test_app_and_manifest() -> None:
    app = AppDef.from_dict(load("after_sales/app.json"))
    assert app.role_keys == ("agent", "dispatcher", "engineer")
    assert [(n.key, n.target_kind, n.target) for n in app.navigation] == [
        ("work_orders", "form", "work_order"),
        ("customers", "form", "customer"),
    ]
    assert app.navigation[1].label_for("en", fallback={"en": "Customer"}) == "Customer"
    assert app.navigation[0].label_for("zh_CN") == "工单"
    assert app.timezone == "Asia/Shanghai"
    assert app.icon == "tools"
    manifest = Manifest.from_dict(load("after_sales/manifest.json"))
    assert (manifest.key, manifest.version, manifest.platform) == ("after_sales", "1.0.0", ">=0.1")
    assert manifest.name_for("en") == "After-sales service"
