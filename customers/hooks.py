"""Lifecycle listeners: how apps to the right of customers react to a lifecycle step.

Customers may not import the apps that build on it (visits, complaints, surveys), yet a customer
marked lost must get a win-back visit. Such an app registers a listener in its AppConfig.ready();
customer_change_lifecycle calls every listener inside its transaction, after the step is saved,
so a failing listener rolls the step back with it (no half-written state).
"""

from __future__ import annotations

from collections.abc import Callable

LifecycleListener = Callable[..., None]
_lifecycle_listeners: list[LifecycleListener] = []


def on_lifecycle_change(listener: LifecycleListener) -> None:
    """listener(*, customer, change, actor) is called after every lifecycle step."""
    if listener not in _lifecycle_listeners:
        _lifecycle_listeners.append(listener)


def lifecycle_changed(*, customer, change, actor) -> None:
    for listener in _lifecycle_listeners:
        listener(customer=customer, change=change, actor=actor)
