"""The complaint workflow in one table: which step leads from which states to which state.

Services refuse any other step, and the database constraints on Complaint refuse the states a
step could not have produced (closed without closed_at, resolved without a resolution, ...).
"""

from __future__ import annotations

from .models import Action, State

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.ACKNOWLEDGE: (frozenset({State.RECEIVED}), State.ACKNOWLEDGED),
    Action.ASSESS: (frozenset({State.ACKNOWLEDGED}), State.ASSESSED),
    Action.INVESTIGATE: (frozenset({State.ASSESSED}), State.INVESTIGATING),
    Action.RESOLVE: (frozenset({State.ASSESSED, State.INVESTIGATING}), State.RESOLVED),
    Action.CLOSE: (frozenset({State.RESOLVED}), State.CLOSED),
    Action.REOPEN: (frozenset({State.RESOLVED, State.CLOSED}), State.INVESTIGATING),
    Action.WITHDRAW: (
        frozenset({State.RECEIVED, State.ACKNOWLEDGED, State.ASSESSED, State.INVESTIGATING}),
        State.WITHDRAWN,
    ),
    Action.REJECT: (frozenset({State.RECEIVED, State.ACKNOWLEDGED, State.ASSESSED}), State.REJECTED),
}


def actions_from(state: str) -> list[str]:
    """The steps open from a state, in the table's order."""
    return [action for action, (sources, _target) in TRANSITIONS.items() if state in sources]


def target_of(action: str, state: str) -> str | None:
    """The state `action` leads to from `state`, or None when the step is not allowed there."""
    sources, target = TRANSITIONS.get(action, (frozenset(), None))
    return target if state in sources else None
