"""Ctrl-C stops a solve or a sweep between passes (points) and raises KeyboardInterrupt; an exception
raised by a progress callback stops it the same way."""

from __future__ import annotations

import _thread

import pytest

import rateopt

OPTIONS = dict(lr_max=0.68, retention_min=0.78, max_rate_change=0.25, enbp_buffer=0.01)


@pytest.fixture(scope="module")
def book():
    return rateopt.generate_book(20_000, seed=11)


def test_full_solve_reports_every_pass(book):
    seen = []
    result = rateopt.optimise(book, progress=seen.append, **OPTIONS)
    assert seen == list(range(1, result.passes + 1))
    assert result.passes > 3


def test_ctrl_c_stops_between_passes(book):
    seen = []

    def press_ctrl_c_at_pass_3(passes: int) -> None:
        seen.append(passes)
        if passes == 3:
            _thread.interrupt_main()  # SIGINT, as Ctrl-C sends it

    with pytest.raises(KeyboardInterrupt):
        rateopt.optimise(book, progress=press_ctrl_c_at_pass_3, **OPTIONS)
    assert seen == [1, 2, 3]  # no pass after the one that saw Ctrl-C
    # the library is left usable
    assert rateopt.optimise(book, **OPTIONS).converged


def test_progress_exception_stops_the_solve(book):
    class Stop(Exception):
        pass

    def stop_at_pass_2(passes: int) -> None:
        if passes == 2:
            raise Stop("enough")

    with pytest.raises(Stop, match="enough"):
        rateopt.optimise(book, progress=stop_at_pass_2, **OPTIONS)


def test_ctrl_c_stops_a_frontier_between_points(book):
    done = []

    def press_ctrl_c_after_point_2(points_done: int, total: int) -> None:
        done.append((points_done, total))
        if points_done == 2:
            _thread.interrupt_main()

    with pytest.raises(KeyboardInterrupt):
        rateopt.efficient_frontier(
            book, sweep="retention_min", from_=0.7, to=0.8, points=6, progress=press_ctrl_c_after_point_2, **OPTIONS
        )
    assert done == [(1, 6), (2, 6)]
