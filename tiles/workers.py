"""Drawing groups of tiles in worker processes: each reads its own rows and stores its content.

The tree is cut into tasks of whole leaves (depth-first, a few thousand buildings each); a task
carries version ids, not geometry, and its worker reads the rows itself (one query), draws every
leaf once and stores one content file per measurement point (and the temporal one). What comes
back is names, boxes and counts. Tasks run in order in one process, or on a pool of processes
(``forkserver``: spawn-safe, each worker with its own database connection); at most two tasks
per worker are in flight, so memory does not grow with the city. The results are the same
either way: a content file depends only on its task's rows.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np

from tiles import temporal
from tiles.content import Content, columns, stored
from tiles.features import Buildings, tile_mesh
from tiles.metadata import PROPERTIES, ProjectTouch
from tiles.placement import Frame
from tiles.read import read_rows

#: Buildings per task: large enough that a task's query and process hop are cheap, small
#: enough for a few tasks per worker on a district.
TASK_FEATURES = 4000


@dataclass(frozen=True)
class Task:
    city: str
    origin: tuple[float, float]  # the tileset frame's longitude, latitude
    #: (path, version ids, member bits, first days, end days) of each leaf (``Layout``)
    leaves: list[tuple[str, list[int], list[int], list[int], list[int]]]
    points: list[str]  # point codes: bit k of a member mask = points[k]
    dates: list[dt.date]
    touches: list[dict[int, list[ProjectTouch]]]  # per point, only the task's buildings
    palette: dict[str, str]
    fmt: str
    store: str  # content folder
    temporal: bool  # also the content of the temporal tileset
    heights: str  # "ground" or "true" (``tiles.features.Buildings``)

    def run(self, cur) -> list[LeafResult]:
        return run_task(cur, self)


@dataclass(frozen=True)
class LeafResult:
    path: str
    per_point: list[Content | None]  # one per point: None when none of its buildings is valid
    temporal: Content | None


def _take(b: Buildings, idx: Sequence[int]) -> Buildings:
    if len(idx) == 1:
        return Buildings(
            **{name: [getattr(b, name)[idx[0]]] for name in Buildings.FIELDS}, heights=b.heights
        )
    get = itemgetter(*idx)
    return Buildings(
        **{name: list(get(getattr(b, name))) for name in Buildings.FIELDS}, heights=b.heights
    )


def run_task(cur, task: Task) -> list[LeafResult]:
    """Read the task's rows and store the content of each of its leaves."""
    ids = [v for leaf in task.leaves for v in leaf[1]]
    first = [d for leaf in task.leaves for d in leaf[3]]
    end = [d for leaf in task.leaves for d in leaf[4]]
    rows = read_rows(cur, ids, first, end, task.heights)
    position = {v: i for i, v in enumerate(rows.version_id)}
    frame = Frame.at(*task.origin)
    folder = Path(task.store)
    out = []
    for path, leaf_ids, bits, _, _ in task.leaves:
        b = _take(rows, [position[v] for v in leaf_ids])
        mesh = tile_mesh(b, frame)
        member = np.asarray(bits, dtype=np.int64)
        per_point: list[Content | None] = []
        for k, touches in enumerate(task.touches):
            keep = (member >> k) & 1 == 1
            if not keep.any():
                per_point.append(None)
                continue
            every = bool(keep.all())  # (one point exported, or nothing changed here)
            sub = b if every else _take(b, np.flatnonzero(keep))
            cols = columns(task.city, sub, touches)
            drawn = mesh if every else mesh.select(keep)
            per_point.append(stored(folder, drawn, PROPERTIES, cols, task.palette, task.fmt))
        whole = None
        if task.temporal:
            props, cols = temporal.columns(task.city, b, member, task.points, task.touches)
            whole = stored(folder, mesh, props, cols, task.palette, task.fmt)
        out.append(LeafResult(path, per_point, whole))
    return out


@dataclass(frozen=True)
class Mark:
    """Not a task: ``run_tasks`` gives it back in its place among the results, once every task
    before it is done (how the export learns that a partition is finished)."""

    value: object


def tasks_of(leaves: Sequence[tuple], size: int | None = None):
    """Consecutive leaves grouped into tasks of at least ``size`` buildings (default
    ``TASK_FEATURES``; the last may be less)."""
    size = size or TASK_FEATURES
    group: list = []
    count = 0
    for leaf in leaves:
        group.append(leaf)
        count += len(leaf[1])
        if count >= size:
            yield group
            group, count = [], 0
    if group:
        yield group


_CONN = None


def _connect(url: str) -> None:
    global _CONN
    import psycopg2

    _CONN = psycopg2.connect(url, options="-c jit=off")  # see tiles.read.NO_JIT
    _CONN.set_session(readonly=True)


def _run_in_worker(task):
    with _CONN.cursor() as cur:
        result = task.run(cur)
    _CONN.rollback()
    return result


class Pool:
    """``workers`` processes, each with its own connection to ``url``, started in the
    background: starting them (the forkserver importing numpy, shapely, pyproj; ~0.7 s) runs
    while the export reads its layout instead of before or after it."""

    def __init__(self, url: str, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, args=(url,), daemon=True)
        self._thread.start()

    def _start(self, url: str) -> None:
        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["tiles.workers"])
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_connect, initargs=(url,)
            )
            for _ in range(self.workers):
                self._executor.submit(int)
        except BaseException as err:  # raised where the pool is used
            self._error = err

    def executor(self) -> ProcessPoolExecutor:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._executor is not None
        return self._executor

    def shutdown(self) -> None:
        self._thread.join()
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)


def run_tasks(tasks: Iterable, conn, *, pool: Pool | None) -> Iterator:
    """The results of the tasks (``task.run(cursor)``), in order: in this process on ``conn``,
    or on the processes of ``pool``. Tasks are taken from ``tasks`` as workers become free,
    two per worker in flight. A ``Mark`` among them comes back as itself, in its place."""
    if pool is None:
        with conn.cursor() as cur:
            for task in tasks:
                yield task if isinstance(task, Mark) else task.run(cur)
        conn.rollback()
        return
    executor = pool.executor()

    def submit(task) -> Future:
        if isinstance(task, Mark):
            done: Future = Future()
            done.set_result(task)
            return done
        return executor.submit(_run_in_worker, task)

    pending: deque = deque()
    todo = iter(tasks)
    for task in todo:
        pending.append(submit(task))
        if len(pending) >= 2 * pool.workers:
            break
    while pending:
        yield pending.popleft().result()
        task = next(todo, None)
        if task is not None:
            pending.append(submit(task))
