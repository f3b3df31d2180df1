"""The platform's own tables as SQLAlchemy 2 typed models (migrated by Alembic).

Record tables generated from form metadata are not here: see ``platform.storage``.
"""

from __future__ import annotations

from servicekit.platform.models.accounts import (
    AppRoleGrant,
    LoginAttempt,
    PlatformRoleGrant,
    Team,
    TeamMember,
    User,
    UserSkill,
)
from servicekit.platform.models.apps import InstalledApp, MetadataDocument
from servicekit.platform.models.events import Event, Sequence
from servicekit.platform.models.notifications import Notification
from servicekit.platform.models.records import ApiToken, Attachment, Comment, ImportJob, SavedView
from servicekit.platform.models.sla import SlaFiring, SlaTimer, SlaTimerEvent
from servicekit.platform.models.workflow import (
    AssignmentDecision,
    OutboxMessage,
    RoundRobinCursor,
    WorkflowInstance,
    WorkflowTask,
)

__all__ = [
    "AssignmentDecision",
    "OutboxMessage",
    "RoundRobinCursor",
    "WorkflowInstance",
    "WorkflowTask",
    "ApiToken",
    "Attachment",
    "Comment",
    "ImportJob",
    "SavedView",
    "SlaFiring",
    "SlaTimer",
    "SlaTimerEvent",
    "AppRoleGrant",
    "Event",
    "InstalledApp",
    "LoginAttempt",
    "MetadataDocument",
    "Notification",
    "PlatformRoleGrant",
    "Sequence",
    "Team",
    "TeamMember",
    "User",
    "UserSkill",
]
