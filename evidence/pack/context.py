"""What one pack is built from: its scope and parameters, and what was read once at its start."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ..selectors import Scope
from ..sources import ChainStatus, ObjectiveOrReport
from .pseudonymise import Identity, Pseudonymiser


@dataclass
class PackContext:
    scope: Scope
    language: str
    pseudonymiser: Pseudonymiser | Identity
    sample_size: int
    sample_seed: int
    generated_at: datetime.datetime
    generated_by: str
    parameters: dict[str, Any]
    software: dict[str, str]
    chain: ChainStatus
    objectives: list[ObjectiveOrReport] = field(default_factory=list)

    @property
    def subtitle(self) -> str:
        scope = self.scope.segment.name if self.scope.segment else _("all customers")
        return _("Period %(since)s – %(until)s · scope: %(scope)s") % {
            "since": self.scope.since.isoformat(),
            "until": self.scope.until.isoformat(),
            "scope": scope,
        }
