"""Limits for one fetch and the per-inbound-activity fetch budget."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .errors import BudgetExceeded


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 1024 * 1024
    max_depth: int = 32
    max_items: int = 500


DEFAULT_LIMITS = Limits()


class FetchBudget:
    """How many HTTP requests one inbound activity may cause (each redirect hop counts)."""

    def __init__(self, max_fetches: int = 20):
        self.max_fetches = max_fetches
        self.used = 0
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int:
        return self.max_fetches - self.used

    def spend(self, url: str | None = None) -> None:
        with self._lock:
            if self.used >= self.max_fetches:
                raise BudgetExceeded(
                    f"fetch budget of {self.max_fetches} requests for this activity is used up", url=url
                )
            self.used += 1
