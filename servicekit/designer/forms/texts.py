"""The words the form designer's scripts show, translated on the server and handed to the
page as JSON, so the scripts hold no language of their own."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from servicekit.designer.forms.numbering import RESET_NAMES
from servicekit.designer.forms.palette import PALETTE


def designer_texts() -> dict[str, Any]:
    """Every string the designer scripts need, in the request's language."""
    # New fields get labels in both languages, whatever the builder's own language is.
    with force_locale("en"):
        english = {item.type: str(item.name) for item in PALETTE}
    with force_locale("zh_CN"):
        chinese = {item.type: str(item.name) for item in PALETTE}
    return {
        "types": {item.type: str(item.name) for item in PALETTE},
        "typesEn": english,
        "typesZh": chinese,
        "newFieldZh": "新{type}",
        "newFieldEn": "New {type}",
        "sectionZh": "分组 {n}",
        "sectionEn": "Section {n}",
        "tabZh": "标签页 {n}",
        "tabEn": "Tab {n}",
        "copyZh": "{label}（副本）",
        "copyEn": "{label} (copy)",
        "dropHere": _("Drop a field here"),
        "dropRow": _("Drop here for a new row"),
        "dropColumns": _("Drop columns here"),
        "emptyForm": _("Drag a field type from the palette onto the form."),
        "deleted": _("Deleted %(label)s.", label="{label}"),
        "undo": _("Undo"),
        "duplicate": _("Duplicate"),
        "delete": _("Delete"),
        "select": _("Select"),
        "moveUp": _("Move up"),
        "moveDown": _("Move down"),
        "required": _("Required"),
        "formProps": _("Form"),
        "fieldProps": _("Field"),
        "sectionProps": _("Section"),
        "tabProps": _("Tab"),
        "labelZh": _("Label (Chinese)"),
        "labelEn": _("Label (English)"),
        "key": _("Key"),
        "keyFixed": _("Published: the key can no longer change."),
        "keyHelp": _("Made from the English label until you change it."),
        "helpZh": _("Help text (Chinese)"),
        "helpEn": _("Help text (English)"),
        "default": _("Default value"),
        "noDefault": _("No default"),
        "yes": _("Yes"),
        "no": _("No"),
        "options": _("Options"),
        "addOption": _("Add option"),
        "optionValue": _("Value"),
        "optionColor": _("Colour"),
        "noColor": _("No colour"),
        "removeOption": _("Remove option"),
        "dragToReorder": _("Drag to reorder"),
        "lookupForm": _("Target form"),
        "lookupDisplay": _("Display field"),
        "chooseForm": _("Choose a form"),
        "chooseField": _("Choose a field"),
        "subformColumns": _("Columns are edited on the canvas: drag field types into the subform."),
        "minRows": _("Fewest rows"),
        "maxRows": _("Most rows"),
        "scale": _("Decimal places"),
        "min": _("Minimum"),
        "max": _("Maximum"),
        "maxLength": _("Most characters"),
        "pattern": _("Pattern (regular expression)"),
        "role": _("Only users with the app role"),
        "visibleIf": _("Visible when"),
        "requiredIf": _("Required when"),
        "readonlyIf": _("Read-only when"),
        "formula": _("Formula"),
        "resultType": _("Result type"),
        "columns": _("Columns"),
        "collapsed": _("Starts folded"),
        "addSection": _("Add section"),
        "addTab": _("Add tab"),
        "deleteSection": _("Delete section"),
        "deleteTab": _("Delete tab"),
        "formLabelZh": _("Form name (Chinese)"),
        "formLabelEn": _("Form name (English)"),
        "titleTemplate": _("Record title, e.g. {{ number }} {{ subject }}"),
        "numbering": _("Business number pattern, e.g. WO-{yyyy}{mm}{dd}-{seq:4}"),
        "fieldNumbering": _("Number pattern, e.g. SN-{yyyy}-{seq:5}"),
        "numberingReset": _("Sequence starts again at 1"),
        "resets": {key: str(name) for key, name in RESET_NAMES.items()},
        "nextNumber": _("Next number:"),
        "numberingEmpty": _("No pattern: records get no number of this kind."),
        "nothingSelected": _("Select a field on the canvas to edit it."),
        "roleAccess": _("Who may create, read and edit records"),
        "resultTypes": {
            "text": _("Text"),
            "integer": _("Whole number"),
            "decimal": _("Decimal"),
            "boolean": _("Yes / no"),
            "date": _("Date"),
            "datetime": _("Date and time"),
            "duration": _("Duration"),
        },
        "colors": {
            "primary": _("Blue"),
            "success": _("Green"),
            "warning": _("Yellow"),
            "danger": _("Red"),
            "info": _("Cyan"),
            "secondary": _("Grey"),
            "dark": _("Black"),
        },
    }
