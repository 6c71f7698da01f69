"""The workbench's long work runs in child processes that finish, fail, or are stopped; none is left behind."""

from __future__ import annotations

import math
import time

import pytest
from insight_app.jobs import Jobs, JobStopped


def _poll(jobs: Jobs, key, function, *args, timeout: float = 60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = jobs.result(key, function, *args)
        if value is not None:
            return value
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_a_job_returns_its_result_once_and_keeps_it():
    jobs = Jobs()
    assert _poll(jobs, ("factorial",), math.factorial, 10) == 3628800
    assert jobs.result(("factorial",), math.factorial, 10) == 3628800 and jobs.running() == []


def test_a_failure_is_raised_on_every_later_request_and_not_retried():
    jobs = Jobs()
    with pytest.raises(ValueError, match="invalid literal"):
        _poll(jobs, ("parse",), int, "not a number")
    for _ in range(2):
        with pytest.raises(ValueError, match="invalid literal"):
            jobs.result(("parse",), int, "not a number")
    assert jobs.running() == []


def test_a_job_past_its_time_limit_is_stopped_and_says_so():
    jobs = Jobs(max_seconds=1.0)
    assert jobs.result(("slow",), time.sleep, 60) is None
    process = jobs._running[("slow",)].process
    with pytest.raises(JobStopped, match="limit for one job"):
        _poll(jobs, ("slow",), time.sleep, 60, timeout=20)
    assert not process.is_alive()


def test_a_job_nobody_waits_for_is_stopped_and_restarts_when_asked_again():
    jobs = Jobs(stale_seconds=1.0)
    assert jobs.result(("abandoned",), time.sleep, 60) is None
    process = jobs._running[("abandoned",)].process
    end = time.monotonic() + 20
    while jobs.running() and time.monotonic() < end:
        time.sleep(0.1)
    assert jobs.running() == [] and not process.is_alive()
    assert jobs.result(("abandoned",), time.sleep, 60) is None and jobs.running() == [("abandoned",)]
    jobs.shutdown()
    assert jobs.running() == []
