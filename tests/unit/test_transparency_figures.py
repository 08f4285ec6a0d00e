"""Transparency figures that need no database: small counts, pooling, the cache, durations."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

from camshare.services.public.transparency import (
    SMALL,
    _pool,
    cached_public_figures,
    suppress,
)
from camshare.state.transparency import duration_text
from tests.support.fakes import FakeClock


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, None), (4, None), (5, 5), (6, 6), (812, 812)])
def test_counts_from_1_to_4_are_fewer_than_5_and_0_stays_0(n, shown):
    assert suppress(n) == shown


def test_a_negative_count_is_a_bug():
    with pytest.raises(ValueError, match="negative"):
        suppress(-1)


@pytest.mark.parametrize("seed", range(300))
def test_pooling_leaves_no_small_row_and_nothing_to_subtract(seed):
    rng = random.Random(seed)
    counts = {
        f"7520{i}": (rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 30]),) for i in range(rng.randint(0, 8))
    }
    listed, (pooled,) = _pool(counts, start=(0,))
    total = sum(n for (n,) in counts.values())
    assert all(n >= SMALL for _, (n,) in listed)
    assert pooled == 0 or pooled >= SMALL or (not listed and pooled == total)
    assert sum(n for _, (n,) in listed) + pooled == total


def test_one_computation_serves_visitors_arriving_together():
    calls, entered, release = [], threading.Event(), threading.Event()

    def slow():
        calls.append(1)
        entered.set()
        release.wait(5)
        return object()

    cache = cached_public_figures(slow, 300, FakeClock())
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache())) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert entered.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 1
    assert len(results) == 8
    assert len({id(r) for r in results}) == 1


def test_a_failed_computation_is_not_cached():
    outcomes = iter([RuntimeError("database down"), "figures"])

    def compute():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    cache = cached_public_figures(compute, 300, FakeClock())
    with pytest.raises(RuntimeError):
        cache()
    assert cache() == "figures"


def test_durations_read_in_words():
    assert duration_text(timedelta(seconds=20), "en") == "less than a minute"
    assert duration_text(timedelta(minutes=1), "en") == "1 minute"
    assert duration_text(timedelta(minutes=60), "es") == "1 hora"
    assert duration_text(timedelta(minutes=135), "en") == "2 hours 15 minutes"
    assert duration_text(timedelta(minutes=135), "es") == "2 horas y 15 minutos"
