"""Assignment and dispatch (派工): who gets a task, and a stored reason for every decision.

Strategies: ``user`` (a named user), ``field`` (the user in a record field), ``pool`` (a
role or team claims), and the picking strategies ``round_robin``, ``least_loaded``,
``skill``, ``region`` and ``nearest`` over a pool, optionally after ``filters``. Ties go
to fewer open tasks, then to the user assigned longest ago, then to the lowest id.
Inactive users are never candidates; when none remain the task goes to a pool queue.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from servicekit.platform.models import (
    AppRoleGrant,
    RoundRobinCursor,
    Team,
    TeamMember,
    User,
    UserSkill,
    WorkflowTask,
)

PICKERS = ("round_robin", "least_loaded", "skill", "region", "nearest")


@dataclass
class Candidate:
    """A user who could take the task, with the numbers the strategies compare."""

    id: int
    name: str
    open_tasks: int = 0
    last_assigned: datetime | None = None
    skill: str | None = None
    skill_level: int | None = None
    region: str | None = None
    distance_km: float | None = None

    def scores(self) -> dict[str, Any]:
        out: dict[str, Any] = {"user_id": self.id, "name": self.name, "open_tasks": self.open_tasks}
        if self.skill_level is not None:
            out["skill_level"] = self.skill_level
        if self.region is not None:
            out["region"] = self.region
        if self.distance_km is not None:
            out["distance_km"] = round(self.distance_km, 2)
        return out


@dataclass
class Decision:
    """The outcome of one assignment: assignees (several for approvals) or a pool, and why."""

    strategy: str
    assignees: list[int] = field(default_factory=list)
    pool: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""


def decide(
    session: Session,
    rule: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    app_key: str,
    scope: str,
    many: bool = False,
    advance: bool = True,
) -> Decision:
    """Apply ``rule`` to a record's (lookup-expanded) ``values``.

    ``scope`` names the round-robin cursor (app, workflow, node); ``many`` asks for every
    remaining candidate (an approval's voters) instead of one pick. ``advance=False`` only
    reads the round-robin cursor (the designer's simulation must not move it).
    """
    strategy = rule["strategy"]
    pool = _pool_name(rule)
    fallback = f"role:{rule['fallback_role']}" if rule.get("fallback_role") else pool
    if strategy == "user":
        user = session.scalar(select(User).where(User.login == rule["user"]))
        return _single(strategy, user, f"named user {rule['user']}", fallback)
    if strategy == "field":
        user_id = values.get(rule["field"])
        user = (
            session.get(User, int(user_id))
            if isinstance(user_id, int | str) and str(user_id).isdigit()
            else None
        )
        return _single(strategy, user, f"field {rule['field']}", fallback)
    candidates = _pool_members(session, rule, app_key)
    if strategy == "pool" and not many:
        return Decision(
            strategy,
            pool=pool,
            candidates=[c.scores() for c in candidates],
            reason=f"pool {pool}: anyone in it may claim",
        )
    _load_counts(session, candidates)
    notes: list[str] = []
    filters = list(rule.get("filters") or [])
    if strategy in ("skill", "region", "nearest") and strategy not in filters:
        filters.append(strategy)
    for name in filters:
        candidates, note = _FILTERS[name](session, rule, values, candidates)
        notes.append(note)
    listed = [c.scores() for c in candidates]
    if not candidates:
        why = "; ".join(notes) if notes else f"no active member in {pool}"
        return Decision(
            strategy,
            pool=fallback,
            candidates=listed,
            reason=f"no candidate ({why}); sent to the {fallback} queue",
        )
    if many:
        return Decision(
            strategy,
            assignees=[c.id for c in candidates],
            candidates=listed,
            reason=f"every candidate of {pool} votes",
        )
    if strategy == "round_robin":
        chosen = _round_robin(session, scope, [c.id for c in candidates], advance=advance)
        winner = next(c for c in candidates if c.id == chosen)
    else:
        winner = min(candidates, key=_ORDER[strategy])
    return Decision(
        strategy,
        assignees=[winner.id],
        candidates=listed,
        reason=_reason(winner, strategy),
    )


def _pool_name(rule: Mapping[str, Any]) -> str | None:
    if rule.get("role"):
        return f"role:{rule['role']}"
    if rule.get("team"):
        return f"team:{rule['team']}"
    return None


def _single(strategy: str, user: User | None, what: str, fallback: str | None) -> Decision:
    if user is None or not user.active:
        missing = "is empty" if user is None else f"holds inactive user {user.display_name}"
        return Decision(
            strategy,
            pool=fallback,
            reason=f"no candidate ({what} {missing}); sent to the {fallback} queue",
        )
    return Decision(
        strategy,
        assignees=[user.id],
        candidates=[{"user_id": user.id, "name": user.display_name}],
        reason=f"assigned to {user.display_name}: {what}",
    )


def pool_user_ids(session: Session, pool: str | None, app_key: str) -> list[int]:
    """Active members of ``role:<key>`` or ``team:<key>`` (for claiming and inboxes)."""
    if not pool:
        return []
    kind, _, key = pool.partition(":")
    rule = {"role": key} if kind == "role" else {"team": key}
    return [c.id for c in _pool_members(session, rule, app_key)]


def _pool_members(session: Session, rule: Mapping[str, Any], app_key: str) -> list[Candidate]:
    query = select(User.id, User.display_name).where(User.active.is_(True))
    if rule.get("role"):
        query = query.where(
            User.id.in_(
                select(AppRoleGrant.user_id).where(
                    AppRoleGrant.app_key == app_key, AppRoleGrant.role == rule["role"]
                )
            )
        )
    elif rule.get("team"):
        query = query.where(
            User.id.in_(
                select(TeamMember.user_id)
                .join(Team, Team.id == TeamMember.team_id)
                .where(Team.key == rule["team"])
            )
        )
    else:
        return []
    return [Candidate(id=row[0], name=row[1]) for row in session.execute(query.order_by(User.id))]


def _load_counts(session: Session, candidates: list[Candidate]) -> None:
    """Open tasks and last assignment time per candidate, counted in the database."""
    ids = [c.id for c in candidates]
    if not ids:
        return
    rows = session.execute(
        select(
            WorkflowTask.assignee_id,
            func.count().filter(WorkflowTask.state == "open"),
            func.max(WorkflowTask.created_at),
        )
        .where(WorkflowTask.assignee_id.in_(ids), WorkflowTask.kind != "join")
        .group_by(WorkflowTask.assignee_id)
    ).all()
    by_id = {row[0]: row for row in rows}
    for candidate in candidates:
        row = by_id.get(candidate.id)
        if row is not None:
            candidate.open_tasks = int(row[1] or 0)
            last = row[2]
            if last is not None and last.tzinfo is None:
                from datetime import UTC

                last = last.replace(tzinfo=UTC)
            candidate.last_assigned = last


def value_at(values: Mapping[str, Any], path: str) -> Any:
    """The value at ``customer.region``-style paths of lookup-expanded values."""
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def _skill_filter(
    session: Session,
    rule: Mapping[str, Any],
    values: Mapping[str, Any],
    candidates: list[Candidate],
) -> tuple[list[Candidate], str]:
    skill = value_at(values, rule.get("skill_field") or "")
    minimum = int(rule.get("min_level") or 1)
    if skill is None:
        return [], f"the record has no {rule.get('skill_field')}"
    levels = dict(
        session.execute(
            select(UserSkill.user_id, UserSkill.level).where(
                UserSkill.skill == str(skill), UserSkill.user_id.in_([c.id for c in candidates])
            )
        ).all()
    )
    kept = []
    for candidate in candidates:
        level = levels.get(candidate.id)
        if level is not None and level >= minimum:
            candidate.skill = str(skill)
            candidate.skill_level = int(level)
            kept.append(candidate)
    return kept, f"skill {skill} level ≥ {minimum}"


def _region_filter(
    session: Session,
    rule: Mapping[str, Any],
    values: Mapping[str, Any],
    candidates: list[Candidate],
) -> tuple[list[Candidate], str]:
    region = value_at(values, rule.get("region_field") or "")
    if region is None:
        return [], f"the record has no {rule.get('region_field')}"
    regions = dict(
        session.execute(
            select(User.id, User.region).where(User.id.in_([c.id for c in candidates]))
        ).all()
    )
    kept = []
    for candidate in candidates:
        if regions.get(candidate.id) == str(region):
            candidate.region = str(region)
            kept.append(candidate)
    return kept, f"region {region}"


def _nearest_filter(
    session: Session,
    rule: Mapping[str, Any],
    values: Mapping[str, Any],
    candidates: list[Candidate],
) -> tuple[list[Candidate], str]:
    point = _point(values, rule.get("location_fields") or ())
    if point is None:
        return [], "the record has no location"
    homes = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            select(User.id, User.home_lat, User.home_lng).where(
                User.id.in_([c.id for c in candidates])
            )
        )
    }
    kept = []
    for candidate in candidates:
        lat, lng = homes.get(candidate.id, (None, None))
        if lat is None or lng is None:
            continue
        candidate.distance_km = great_circle_km(point, (float(lat), float(lng)))
        kept.append(candidate)
    return kept, "a home location"


def _point(values: Mapping[str, Any], paths: Sequence[str]) -> tuple[float, float] | None:
    if len(paths) == 2:
        lat, lng = value_at(values, paths[0]), value_at(values, paths[1])
        if isinstance(lat, Mapping):  # a location field holds {"lat", "lng"}
            lat = lat.get("lat")
        if isinstance(lng, Mapping):
            lng = lng.get("lng")
    else:
        return None
    try:
        return (float(lat), float(lng))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance in kilometres between two (lat, lng) points."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


_FILTERS = {"skill": _skill_filter, "region": _region_filter, "nearest": _nearest_filter}


def _ties(c: Candidate) -> tuple[int, float, int]:
    # Never assigned counts as assigned longest ago.
    last = c.last_assigned.timestamp() if c.last_assigned else float("-inf")
    return (c.open_tasks, last, c.id)


_ORDER = {
    "least_loaded": _ties,
    "region": _ties,
    "skill": lambda c: (-(c.skill_level or 0), *_ties(c)),
    "nearest": lambda c: (c.distance_km if c.distance_km is not None else math.inf, *_ties(c)),
    "pool": _ties,
}


def _reason(winner: Candidate, strategy: str) -> str:
    parts = []
    if winner.skill_level is not None:
        parts.append(f"skill {winner.skill} level {winner.skill_level}")
    if winner.region is not None:
        parts.append(f"region {winner.region}")
    if winner.distance_km is not None:
        parts.append(f"{winner.distance_km:.1f} km away")
    parts.append(f"{winner.open_tasks} open tasks")
    if strategy == "round_robin":
        parts.append("next in turn")
    return f"assigned to {winner.name}: " + ", ".join(parts)


def _round_robin(session: Session, scope: str, ids: list[int], *, advance: bool = True) -> int:
    """The next user after the cursor's last one, taken under a row lock on the cursor.

    With ``advance=False`` the cursor is only read (never created or moved).
    """
    ordered = sorted(ids)
    if not advance:
        last = session.scalar(
            select(RoundRobinCursor.last_user_id).where(RoundRobinCursor.scope == scope)
        )
        after = [i for i in ordered if last is None or i > last]
        return after[0] if after else ordered[0]
    _ensure_cursor(session, scope)
    cursor = session.execute(
        select(RoundRobinCursor.id, RoundRobinCursor.last_user_id)
        .where(RoundRobinCursor.scope == scope)
        .with_for_update()
    ).one()
    after = [i for i in ordered if cursor.last_user_id is None or i > cursor.last_user_id]
    chosen = after[0] if after else ordered[0]
    session.execute(
        update(RoundRobinCursor)
        .where(RoundRobinCursor.id == cursor.id)
        .values(last_user_id=chosen, turns=RoundRobinCursor.turns + 1)
    )
    return chosen


def _ensure_cursor(session: Session, scope: str) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    session.execute(
        insert(RoundRobinCursor)
        .values(scope=scope, last_user_id=None, turns=0)
        .on_conflict_do_nothing(index_elements=["scope"])
    )
