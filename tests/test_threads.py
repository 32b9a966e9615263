"""The engine's CPU threads step down when another process competes for the cores, and back up."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest
import torch

from compressed_trust.fixtures.engine import threads
from compressed_trust.fixtures.engine.threads import CpuThreads


@pytest.mark.parametrize(("cores", "others", "expected"), [
    (2, 0.0, 2), (2, 0.2, 2), (2, 0.3, 1), (2, 1.0, 1), (2, 1.9, 1), (4, 1.0, 3), (4, 1.3, 2), (4, 3.9, 1)])
def test_threads_left_by_other_processes(cores, others, expected):
    fitted = CpuThreads()
    fitted.cores = cores
    assert fitted.threads_for(others) == expected


def _busy() -> None:
    while True:
        pass


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores to share")
def test_threads_follow_a_competing_process(monkeypatch):
    monkeypatch.setattr(threads, "CHECK_EVERY_S", 0.5)
    before = torch.get_num_threads()
    fitted = CpuThreads()

    def measured_over(seconds: float) -> int:
        fitted.adjust()
        time.sleep(seconds)
        fitted.adjust()
        return torch.get_num_threads()

    competitor = multiprocessing.get_context("spawn").Process(target=_busy, daemon=True)
    try:
        assert measured_over(1.0) == fitted.cores, "an idle machine's cores were left unused"
        competitor.start()
        time.sleep(1.0)  # past its start-up
        assert measured_over(1.0) == fitted.cores - 1, "a core busy with another process was still used"
    finally:
        competitor.terminate()
        competitor.join()
    assert measured_over(1.0) == fitted.cores, "the freed core was not taken back"
    torch.set_num_threads(before)
