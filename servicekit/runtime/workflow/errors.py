"""The workflow engine's errors: one root, each saying what happened and what to do next."""

from __future__ import annotations

from typing import Any


class WorkflowError(Exception):
    """Root error of the workflow engine; ``status`` is the HTTP status pages and the API use."""

    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def render(self) -> str:
        return self.message


class WorkflowNotFound(WorkflowError):
    """No published workflow is bound to the form, or the record has no running workflow."""

    status = 404


class NotAllowed(WorkflowError):
    """The user may not take this action on this task."""

    status = 403


class MoveConflict(WorkflowError):
    """Someone else acted first: the task is no longer open. ``details['happened']`` says what."""

    status = 409


class MoveRefused(WorkflowError):
    """The action cannot be taken now: its guard fails, a comment or a required field is missing,
    or a field that is read-only at this node was changed. ``details['errors']`` lists fields."""

    status = 422
