"""A small per-client rate limit for public endpoints that make the server fetch and verify.

Anyone may verify a badge, without an account — so without a limit, anyone could make this
service fetch remote URLs and run signature checks at will. The window is kept in the process
(each gunicorn worker counts on its own: the limit is per worker, which is enough to blunt
abuse without a shared store).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

from badge_service.errors import TooManyRequests

F = TypeVar("F", bound=Callable[..., Any])
WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000


class SlidingWindow:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock

    def hit(self, key: str, limit: int) -> float | None:
        """Record a request; None if allowed, else seconds until the next one would be."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            self._hits.move_to_end(key)
            while hits and hits[0] <= now - WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] + WINDOW_SECONDS - now
            hits.append(now)
            while len(self._hits) > MAX_CLIENTS:
                self._hits.popitem(last=False)
            return None


def limited(bucket: str, setting: str = "VERIFY_RATE_PER_MINUTE") -> Callable[[F], F]:
    """Refuse (429 with Retry-After) a client's requests beyond ``setting`` per minute."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            limit = current_app.config[setting]
            # A plain GET of a form page costs nothing; what is counted is verification work.
            if limit and (request.method != "GET" or request.args):
                windows = current_app.extensions.setdefault("badge_rate_limits", SlidingWindow())
                wait = windows.hit(f"{bucket}:{request.remote_addr}", limit)
                if wait is not None:
                    raise TooManyRequests(
                        f"too many verifications from your address; try again in "
                        f"{int(wait) + 1} seconds", retry_after=int(wait) + 1)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
