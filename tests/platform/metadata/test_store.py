"""The versioned metadata store: drafts, immutable numbered versions, typed loading."""

from __future__ import annotations

from servicekit.platform.metadata.problems import Problem
from servicekit.platform.metadata.store import (
    add_version,
    latest_bodies,
    latest_published,
    list_versions,
    load_form,
    save_draft,
)

FORM = {
    "key": "ticket",
    "label": "Ticket",
    "fields": [{"key": "title", "type": "text", "label": "T"}],
}


def test_publishing_numbers_versions_and_keeps_earlier_ones(app, db) -> None:
    now = app.extensions["servicekit.clock"].now()
    first = add_version(db, "desk", "form", "ticket", FORM, author_id=None, now=now)
    same = add_version(db, "desk", "form", "ticket", dict(FORM), author_id=None, now=now)
    assert same.id == first.id and first.version == 1
    changed = dict(FORM, label="Support ticket")
    second = add_version(db, "desk", "form", "ticket", changed, author_id=None, now=now)
    db.commit()
    assert second.version == 2
    assert [d.version for d in list_versions(db, "desk", "form", "ticket")] == [2, 1]
    assert list_versions(db, "desk", "form", "ticket")[1].body["label"] == "Ticket"
    assert latest_bodies(db, "desk", "form") == {"ticket": changed}
    assert load_form(db, "desk", "ticket").label == "Support ticket"


def test_a_draft_may_be_invalid_and_lists_its_problems(app, db) -> None:
    now = app.extensions["servicekit.clock"].now()
    draft = save_draft(
        db,
        "desk",
        "form",
        "ticket",
        {"key": "ticket"},
        author_id=None,
        now=now,
        problems=[Problem("Add at least one field.", "$.fields")],
    )
    again = save_draft(
        db, "desk", "form", "ticket", {"key": "ticket", "label": "x"}, author_id=None, now=now
    )
    db.commit()
    assert draft.id == again.id
    assert again.problems is None
    assert latest_published(db, "desk", "form", "ticket") is None
