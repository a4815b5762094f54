"""The garbage collector of a web worker: what the worker loads once is frozen out of the
collector's reach (gc.freeze), by the hooks of config/gunicorn.py.

A full collection visits every container object the process tracks, and every thread of the
process waits while it runs (the collector holds the interpreter lock). A worker tracks ~330,000
of them once Django and the pages it has served are loaded, nearly all for its whole life
(modules, classes, URL patterns, compiled templates, translations): a full collection took
163 ms, and one ran about every 3,000 requests of the load bench's mix (`bench/throughput.py
--gc`, docs/benchmarks.md, "Throughput", ninth stop). Every request of the worker in flight then
waits that long.

gc.freeze() moves every object tracked at that moment into a permanent generation that no
collection visits. A worker freezes twice:

- once its application is loaded (gunicorn's post_worker_init): Django, its apps and models;
- after its first GC_FREEZE_AFTER_REQUESTS requests (post_request, after the answer is sent), when
  the pages' own lazy loads have happened (URLconfs, views, templates, translations): a full
  collection then visits the objects made since, a few thousand.

Each freeze follows a full collection, so what it freezes is alive. A frozen object is still
freed when its last reference goes; only a reference cycle among frozen objects, dropped later,
is never collected. At the second freeze such a cycle can only come from a request in flight on
the worker's other thread: a few objects, once.

GC_FREEZE_AFTER_REQUESTS: the number of requests before the second freeze (default 500), or
`off` for no freezing at all. Another value stops gunicorn at start with its message.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import time

logger = logging.getLogger(__name__)

FREEZE_AFTER_REQUESTS_DEFAULT = 500
FREEZE_OFF = "off"


def freeze_after_requests_from_env() -> int | None:
    """GC_FREEZE_AFTER_REQUESTS as a number of requests, or None for `off`."""
    raw = os.environ.get("GC_FREEZE_AFTER_REQUESTS", "").strip()
    if not raw:
        return FREEZE_AFTER_REQUESTS_DEFAULT
    if raw.lower() == FREEZE_OFF:
        return None
    if not raw.isdecimal() or int(raw) < 1:
        raise ValueError(
            f"GC_FREEZE_AFTER_REQUESTS must be a number of requests (1 or more) or "
            f"{FREEZE_OFF!r}, not {raw!r}."
        )
    return int(raw)


def freeze(stage: str) -> int:
    """Collect, then freeze every object tracked now; the number of frozen objects (all the
    freezes of the process)."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info(
        "gc.frozen",
        extra={
            "stage": stage,
            "frozen": frozen,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return frozen


class RequestCount:
    """A worker's requests, counted from any of its threads: the `after`th freezes (once)."""

    def __init__(self, after: int) -> None:
        self.after = after
        # next() on a count is one step of C code: two threads never get the same number.
        self._served = itertools.count(1)

    def served(self) -> None:
        if next(self._served) == self.after:
            freeze("after requests")
