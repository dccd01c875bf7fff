"""Append-only, hash-chained audit log. Tags are ``subject:action``."""

from entcredit.audit.service import (
    SYSTEM_ACTOR,
    AuditTagError,
    ChainReport,
    actor_for_department,
    actor_for_user,
    append_event,
    verify_chain,
)

__all__ = [
    "SYSTEM_ACTOR",
    "AuditTagError",
    "ChainReport",
    "actor_for_department",
    "actor_for_user",
    "append_event",
    "verify_chain",
]
