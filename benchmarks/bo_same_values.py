"""The BO loop's array functions of this checkout against another one's, bit for bit.

A speed-up of the maximiser or the acquisition must not change a value or a random draw.
This loads ``metaknow/bo/{maximizer,acquisition,surrogate}.py`` of ``--ref`` (say the
commit before the change) beside this checkout's and compares, on random inputs of every
synthetic space of ``benchmarks/synthetic_bo.py``: ``random_vectors``, ``fix_activity``,
``neighbour_moves`` (with and without a frozen parameter, and the state of the random
generator afterwards), ``log_expected_improvement`` (variances with zeros and tiny
values) and ``RandomForestSurrogate.predict``.

    PYTHONPATH=. python benchmarks/bo_same_values.py --ref /path/to/old/checkout
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic_bo import PROBLEMS

from metaknow.bo import acquisition, maximizer, surrogate


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


def compare_maximizer(old: ModuleType, seeds: int) -> int:
    bad = 0
    for fname, problem in PROBLEMS.items():
        space = problem.space
        for seed in range(seeds):
            a = old.random_vectors(space, np.random.default_rng(seed), 50)
            b = maximizer.random_vectors(space, np.random.default_rng(seed), 50)
            holes = a.copy()
            holes[::3, 0] = np.nan
            fixed = (old.fix_activity(space, holes, np.random.default_rng(seed)),
                     maximizer.fix_activity(space, holes, np.random.default_rng(seed)))
            frozen = None
            if seed % 3 == 0:
                frozen = np.zeros(len(space), dtype=bool)
                frozen[0] = True
            r_old, r_new = np.random.default_rng(seed + 100), np.random.default_rng(seed + 100)
            m_old, rows_old = old.neighbour_moves(space, b, r_old, 16, 0.2, frozen)
            m_new, rows_new = maximizer.neighbour_moves(space, b, r_new, 16, 0.2, frozen)
            ok = (_same(a, b) and _same(*fixed) and _same(m_old, m_new)
                  and _same(rows_old, rows_new) and r_old.random() == r_new.random())
            if not ok:
                bad += 1
                print(f"maximizer differs: {fname} seed {seed}")
    return bad


def compare_log_ei(old: ModuleType, cases: int) -> int:
    rng = np.random.default_rng(0)
    bad = 0
    for case in range(cases):
        n = int(rng.integers(1, 500))
        mean = rng.normal(0.0, 2.0, n)
        var = rng.random(n) ** int(rng.integers(1, 8)) * float(rng.choice([1e-30, 1e-3, 1.0, 10.0]))
        if case % 3 == 0:
            var[rng.random(n) < 0.2] = 0.0
        best = float(rng.normal(-1.0, 2.0))
        if not _same(old.log_expected_improvement(mean, var, best),
                     acquisition.log_expected_improvement(mean, var, best)):
            bad += 1
            print(f"log-EI differs: case {case}")
    return bad


def compare_forest(old: ModuleType, seeds: int) -> int:
    bad = 0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        n, d = int(rng.integers(3, 300)), int(rng.integers(1, 16))
        X, y = rng.random((n, d)), rng.random(n) ** 3
        X[rng.random((n, d)) < 0.1] = np.nan
        queries = rng.random((200, d))
        a = old.RandomForestSurrogate(10, seed=seed).fit(X, y).predict(queries)
        b = surrogate.RandomForestSurrogate(10, seed=seed).fit(X, y).predict(queries)
        if not (_same(a[0], b[0]) and _same(a[1], b[1])):
            bad += 1
            print(f"forest prediction differs: seed {seed} ({n} rows, {d} inputs)")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", type=Path, required=True)
    parser.add_argument("--seeds", type=int, default=30)
    args = parser.parse_args(argv)
    bo = args.ref / "metaknow" / "bo"
    if not (bo / "maximizer.py").is_file():
        print(f"bo_same_values: error: {args.ref} is not a metaknow checkout", file=sys.stderr)
        return 2
    counts = {
        "maximizer (random vectors, activity, moves)": compare_maximizer(
            _load(bo / "maximizer.py", "ref_maximizer"), args.seeds),
        "log-EI": compare_log_ei(_load(bo / "acquisition.py", "ref_acquisition"), 10 * args.seeds),
        "forest predictions": compare_forest(_load(bo / "surrogate.py", "ref_surrogate"), args.seeds),
    }
    for what, bad in counts.items():
        print(f"{what}: {'identical' if bad == 0 else f'{bad} cases differ'}")
    return 1 if any(counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
