"""Fold racing: hand-made cases."""

from __future__ import annotations

from metaknow.bo.intensifier import FoldRace, NoRace


def test_clearly_worse_challenger_is_dropped_after_one_fold() -> None:
    race = FoldRace()
    incumbent = [0.10, 0.12, 0.11, 0.09, 0.10]  # sample sd ~0.0114
    assert race.should_stop([0.20], incumbent)
    assert not race.should_stop([0.11], incumbent)  # within the incumbent's own spread


def test_paired_difference_after_several_folds() -> None:
    race = FoldRace()
    incumbent = [0.10, 0.20, 0.30, 0.40, 0.50]
    # consistently 0.05 worse: mean diff 0.05 > 1 * se (tiny)
    assert race.should_stop([0.15, 0.25, 0.36], incumbent)
    # worse on average but noisy: diff = [+0.2, -0.15] -> mean 0.025, se 0.175
    assert not race.should_stop([0.30, 0.05], incumbent)


def test_never_stops_on_last_fold_or_without_incumbent() -> None:
    race = FoldRace()
    assert not race.should_stop([9, 9, 9], [0, 0, 0])  # all folds run: nothing to save
    assert not race.should_stop([9.0], None)
    assert not NoRace().should_stop([9.0], [0.0, 0.0])


def test_min_folds_and_margin() -> None:
    assert not FoldRace(min_folds=2).should_stop([0.5], [0.1, 0.1, 0.1])
    assert not FoldRace(margin=0.5).should_stop([0.5], [0.1, 0.1, 0.1])
    assert FoldRace(margin=0.3).should_stop([0.5], [0.1, 0.1, 0.1])
