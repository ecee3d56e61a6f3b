"""A drill's result: what it tried and what went wrong, printed as one block of figures."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Figures:
    drill: str
    tried: int = 0
    lost: int = 0
    duplicated: int = 0
    server_errors: int = 0
    details: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.server_errors or self.problems)

    def print(self) -> None:
        verdict = "PASS" if self.ok else "FAIL"
        print(f"\n[{verdict}] drill {self.drill}")
        print(f"    tried {self.tried}, lost {self.lost}, duplicated {self.duplicated}, 5xx {self.server_errors}")
        for key, value in self.details.items():
            print(f"    {key}: {value}")
        for problem in self.problems:
            print(f"    PROBLEM: {problem}")
