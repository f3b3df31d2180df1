"""The SLA's sorts and filters on work-order lists: "due soonest" and "breached".

They join the SLA engine's per-record summary of timers (soonest due time of the open,
running clocks; whether any clock breached) into the list query, and are offered only
on forms that SLA policies apply to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.store import PUBLISHED, latest_bodies
from servicekit.platform.models import MetadataDocument
from servicekit.platform.storage.messages import N_
from servicekit.runtime.forms.query import RecordFacts
from servicekit.runtime.sla import record_sla_columns
from servicekit.workspace.records.facts import ListFacts

DUE = "sla:due"
BREACHED = "sla:breached"


def _columns(runtime: Any) -> Any:
    return record_sla_columns(runtime.app.app_key, runtime.key)


def _applies(scope: Any) -> bool:
    """Whether a published SLA policy of the app times records of this form."""
    timed = _timed_forms(scope.session, scope.app_key)
    return None in timed or scope.runtime.key in timed


# Forms the app's policies time, by app and published versions; a version never changes,
# so a new publish (or a reinstall, which changes the checksums) is a new key.
_TIMED: dict[tuple[Any, ...], frozenset[str | None]] = {}
_TIMED_KEPT = 64


def _timed_forms(session: Session, app_key: str) -> frozenset[str | None]:
    """The ``form`` of each newest published policy (None: every form of the app).

    Every list page asks; reading the versions only, not the policy bodies, and keeping
    the answer per set of versions makes that one small query.
    """
    versions = tuple(
        tuple(row)
        for row in session.execute(
            select(MetadataDocument.key, MetadataDocument.version, MetadataDocument.checksum)
            .where(
                MetadataDocument.app_key == app_key,
                MetadataDocument.kind == "sla",
                MetadataDocument.status == PUBLISHED,
            )
            .order_by(MetadataDocument.key, MetadataDocument.version)
        )
    )
    key = (app_key, versions)
    timed = _TIMED.get(key)
    if timed is None:
        policies = latest_bodies(session, app_key, "sla").values()
        timed = frozenset(p.get("form") for p in policies if isinstance(p, dict))
        if len(_TIMED) >= _TIMED_KEPT:
            _TIMED.clear()
        _TIMED[key] = timed
    return timed


SLA_LIST_FACTS = ListFacts(
    facts=RecordFacts("sla", _columns, sorts={DUE: "due_at"}, flags={BREACHED: "breached"}),
    applies=_applies,
    # Translated where the list shows them, from this package's catalog.
    sort_labels={DUE: N_("Due soonest")},
    flag_labels={BREACHED: N_("Breached")},
)
