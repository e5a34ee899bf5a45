"""Running test workers in parallel threads, started together, failing loudly."""

from __future__ import annotations

import threading

#: A worker stuck before the start barrier fails the test instead of hanging it.
BARRIER_TIMEOUT = 30  # seconds


def run_workers(target, count: int) -> list:  # type: ignore[no-untyped-def]
    """Run ``target(worker_number, barrier)`` in ``count`` threads that share a barrier (to
    start their critical part together); their results in worker order. The first failure is
    re-raised: a worker's exception must fail the test, not vanish with its thread."""
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            results[number] = target(number, barrier)
        except BaseException as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    if errors:
        raise errors[0]
    return results
