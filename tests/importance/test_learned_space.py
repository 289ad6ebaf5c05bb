"""The learned space: narrowed around the neighbours' good regions, with a fallback."""

from __future__ import annotations

import pytest

from metaknow.importance.learned_space import learn_space
from metaknow.space import Categorical

from importance_landscape import SPACE, best_config


def test_ranges_contain_every_neighbours_best_configuration(view) -> None:
    near = ["t0", "t1", "t2"]
    learned = learn_space(SPACE, view, near, fix_below=0.0)
    assert not learned.fallback and learned.neighbours == near
    lr = learned.space["learning_rate"]
    full = SPACE["learning_rate"]
    assert (lr.low, lr.high) != (full.low, full.high)  # optima 0.2-0.3 of the log range
    for t in near:
        best = best_config(view, t)
        assert learned.space.validate(best) == best
        assert learned.project(best) == best
    # The neighbours' optima (u = 0.2..0.3) lie well inside, far-away rates are cut.
    assert full.to_unit(lr.low) < 0.2 and full.to_unit(lr.high) > 0.3
    assert full.to_unit(lr.high) < 0.6


def test_unimportant_parameters_are_fixed_at_the_learned_default(view) -> None:
    learned = learn_space(SPACE, view, ["t3", "t4", "t5"], fix_below=0.05, max_fixed=3)
    assert len(learned.fixed) == 3 and "learning_rate" not in learned.fixed
    for name, value in learned.fixed.items():
        p = learned.space[name]
        assert isinstance(p, Categorical) and p.choices == (value,)
        assert SPACE.validate({**SPACE.default(), name: value})  # a legal value of the full space
    config = learned.project(SPACE.default())
    assert all(config[n] == v for n, v in learned.fixed.items())
    assert "fixed" in learned.describe()


@pytest.mark.parametrize("near", [["t0", "t1"], ["nope", "t0"], []])
def test_too_few_neighbours_fall_back_to_the_full_space(view, near) -> None:
    learned = learn_space(SPACE, view, near)
    assert learned.fallback and learned.space is SPACE
    assert "fewer than 3" in learned.describe()
    assert learned.project(SPACE.default()) == SPACE.default()
