"""The audit trail: one row for each change a person or the operator makes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.models import AuditEvent, utcnow


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    at: datetime | None = None,
    **detail: Any,
) -> None:
    """Add an audit row to the session's transaction (it lands or not with the change it describes); `at` is
    the engine's clock where the time matters (counting wrong invite codes), else now."""
    session.add(
        AuditEvent(
            at=at or utcnow(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            detail=detail,
        )
    )
