"""Long work of the workbench (dataset-wide results: tens of seconds) in child processes that can be stopped.

A thread cannot be stopped in Python, so a job runs in its own process (``spawn``: a fresh interpreter, safe
with torch's thread pools). The page polls :meth:`Jobs.result` about once a second; a job is stopped when it runs
past ``max_seconds``, when no page has asked for it for ``stale_seconds`` (the user switched model or tab), or by
:meth:`Jobs.cancel`. Nothing outlives the server: the processes are daemons, and :meth:`Jobs.shutdown` runs at exit.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

#: Longest a job may run before it is stopped, and how long it runs without a page asking for it (seconds).
MAX_JOB_SECONDS = 900.0
STALE_SECONDS = 30.0


class JobStopped(Exception):
    """A job was stopped before it finished; the message says why and what to do."""


def _run(function: Callable, args: tuple, connection) -> None:
    try:
        connection.send(("done", function(*args)))
    except BaseException as err:  # noqa: BLE001 - every failure goes back to the page, never lost in the child
        try:
            connection.send(("failed", err))
        except Exception:  # an error that does not pickle: send its text
            connection.send(("failed", RuntimeError("".join(traceback.format_exception_only(err)).strip())))
    finally:
        connection.close()


@dataclass
class _Job:
    process: Any
    connection: Any
    started: float
    polled: float


@dataclass
class Jobs:
    max_seconds: float = MAX_JOB_SECONDS
    stale_seconds: float = STALE_SECONDS
    _results: dict = field(default_factory=dict)
    _failures: dict = field(default_factory=dict)
    _running: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._watcher: threading.Thread | None = None
        atexit.register(self.shutdown)

    def result(self, key: Hashable, function: Callable, *args) -> Any | None:
        """The result of ``function(*args)`` (a picklable, module-level function) if ready, else ``None`` after
        starting it. A failure, or a stop, is raised on this and every later call for ``key``."""
        with self._lock:
            if key in self._results:
                return self._results[key]
            if key in self._failures:
                raise self._failures[key]
            job = self._running.get(key)
            if job is not None:
                job.polled = time.monotonic()
                return None
            receiver, sender = self._context.Pipe(duplex=False)
            process = self._context.Process(target=_run, args=(function, args, sender), daemon=True,
                                            name=f"insight-{key[0] if isinstance(key, tuple) else key}")
            process.start()
            sender.close()
            if self._watcher is None:  # started with the first job, not with every workbench
                self._watcher = threading.Thread(target=self._watch, daemon=True, name="insight-jobs")
                self._watcher.start()
            now = time.monotonic()
            self._running[key] = _Job(process, receiver, now, now)
            return None

    def cancel(self, key: Hashable, reason: str | None = None) -> None:
        """Stop a running job. With a ``reason``, later requests for ``key`` raise :class:`JobStopped` with it
        (a job too slow to finish is not started again); without one, the next request starts it afresh."""
        with self._lock:
            job = self._running.get(key)
        if job is None:
            return
        self._stop(job)  # still listed as running meanwhile, so no request starts a second one
        with self._lock:
            if self._running.get(key) is job:
                del self._running[key]
                if reason:
                    self._failures[key] = JobStopped(reason)

    def running(self) -> list:
        with self._lock:
            return list(self._running)

    def shutdown(self) -> None:
        for key in self.running():
            self.cancel(key)

    def _watch(self) -> None:
        while True:
            time.sleep(0.2)
            now = time.monotonic()
            with self._lock:
                jobs = list(self._running.items())
            for key, job in jobs:
                try:
                    ready = job.connection.poll()
                except OSError:  # closed by a cancel running right now
                    continue
                if ready:
                    self._collect(key, job)
                elif not job.process.is_alive():
                    self._finish(key, job, failure=RuntimeError(f"the job ended without a result (exit code "
                                                                f"{job.process.exitcode})"))
                elif now - job.started > self.max_seconds:
                    self.cancel(key, f"stopped after {self.max_seconds:.0f} s, the limit for one job of the "
                                     "workbench; compute it with the library instead (see the docs)")
                elif now - job.polled > self.stale_seconds:
                    self.cancel(key)  # nobody is waiting for it: the next request starts it again

    def _collect(self, key: Hashable, job: _Job) -> None:
        try:
            status, value = job.connection.recv()
        except (EOFError, OSError) as err:
            status, value = "failed", RuntimeError(f"the job's result was lost ({err})")
        if status == "done":
            self._finish(key, job, result=value)
        else:
            self._finish(key, job, failure=value)

    def _finish(self, key: Hashable, job: _Job, result: Any = None, failure: BaseException | None = None) -> None:
        with self._lock:
            if self._running.get(key) is not job:
                return
            del self._running[key]
            if failure is None:
                self._results[key] = result
            else:
                self._failures[key] = failure
        job.process.join(timeout=5)
        job.connection.close()

    @staticmethod
    def _stop(job: _Job) -> None:
        job.process.terminate()
        job.process.join(timeout=5)
        if job.process.is_alive():
            job.process.kill()
            job.process.join(timeout=5)
        job.connection.close()
