"""Drawing a free status list index. Allocation state (which indexes are taken) belongs to the
caller; this module only draws."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterable

from .errors import StatusListError
from .status_bitstring import MIN_ENTRIES

__all__ = ["random_free_index"]


def random_free_index(
    is_used: Callable[[int], bool] | Iterable[int],
    size: int = MIN_ENTRIES,
    rng: random.Random | None = None,
) -> int:
    """An index in ``0..size-1`` drawn uniformly among those not used.

    The spec asks for random assignment so that an index reveals neither issuance order nor
    group size. ``is_used`` is a predicate or a collection of taken indexes; ``rng`` defaults to
    :class:`secrets.SystemRandom`. Raises :class:`StatusListError` when every index is taken.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise StatusListError(f"status list size must be a positive integer, got {size!r}")
    rng = rng or secrets.SystemRandom()
    if callable(is_used):
        used: Callable[[int], bool] = is_used
        taken: int | None = None
    else:
        used_set = is_used if isinstance(is_used, set | frozenset) else set(is_used)
        used = used_set.__contains__
        taken = sum(1 for index in used_set if isinstance(index, int) and 0 <= index < size)
        if taken >= size:
            raise StatusListError(f"status list is full: all {size} indexes are in use")
    # Rejection sampling is uniform over the free indexes; fall back to enumerating them when
    # the list is so full that draws keep hitting used ones.
    if taken is None or taken < size * 15 // 16:
        for _ in range(64):
            index = rng.randrange(size)
            if not used(index):
                return index
    free = [index for index in range(size) if not used(index)]
    if not free:
        raise StatusListError(f"status list is full: all {size} indexes are in use")
    return free[rng.randrange(len(free))]
