"""The SLA's sorts and filters on work-order lists: "due soonest" and "breached".

They join the SLA engine's per-record summary of timers (soonest due time of the open,
running clocks; whether any clock breached) into the list query, and are offered only
on forms that SLA policies apply to.
"""

from __future__ import annotations

from typing import Any

from servicekit.platform.metadata.store import latest_bodies
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
    policies = latest_bodies(scope.session, scope.app_key, "sla").values()
    return any(policy.get("form") in (None, scope.runtime.key) for policy in policies)


SLA_LIST_FACTS = ListFacts(
    facts=RecordFacts("sla", _columns, sorts={DUE: "due_at"}, flags={BREACHED: "breached"}),
    applies=_applies,
    # Translated where the list shows them, from this package's catalog.
    sort_labels={DUE: N_("Due soonest")},
    flag_labels={BREACHED: N_("Breached")},
)
