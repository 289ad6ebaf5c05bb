"""CPU time per proposal of the BO loop with and without transfer, side by side in one run.

The LightGBM classification space (9 parameters), a cheap synthetic objective, 10 prior
tasks of 64 evaluations each as transfer sources (as ``metaknow tune --transfer`` uses);
both loops run ask/tell for ``--trials`` trials with the same seed. Reported: the CPU
seconds of ``ask`` + ``tell`` (objective excluded) averaged over the last 20 proposals
before the checkpoint, for each loop, and their ratio.

    python benchmarks/transfer_overhead.py --trials 200 --seeds 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from metaknow.bo.maximizer import random_vectors
from metaknow.bo.optimizer import Optimizer
from metaknow.bo.transfer import SourceTask, TransferPrior
from metaknow.spaces import get_space


def objective(V: np.ndarray, centre: float) -> np.ndarray:
    return np.nansum((V - centre) ** 2, axis=1)


def per_step_cpu(transfer: TransferPrior | None, trials: int, seed: int) -> float:
    space = get_space("lightgbm", "classification")
    opt = Optimizer(space, seed=seed, transfer=transfer)
    last: list[float] = []
    for i in range(trials):
        t0 = time.process_time()
        trial = opt.ask()
        spent = time.process_time() - t0
        value = float(objective(space.to_vector(trial.config)[None, :], 0.3)[0])
        t0 = time.process_time()
        opt.tell(trial, value)
        spent += time.process_time() - t0
        if i >= trials - 20:
            last.append(spent)
    return float(np.mean(last))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    space = get_space("lightgbm", "classification")
    rows = []
    for seed in range(args.seeds):
        rng = np.random.default_rng(100 + seed)
        sources = []
        for i in range(10):
            V = random_vectors(space, rng, 64)
            sources.append(SourceTask(f"prior-{i}", V, objective(V, 0.25 + 0.01 * i)))
        prior = TransferPrior(sources)
        cold = per_step_cpu(None, args.trials, seed)
        warm = per_step_cpu(prior, args.trials, seed)
        rows.append((cold, warm))
        print(f"seed {seed}: cold {1000 * cold:.1f} ms, transfer {1000 * warm:.1f} ms per proposal "
              f"(CPU, trials {args.trials - 19}-{args.trials})", flush=True)
    cold, warm = np.mean(rows, axis=0)
    print(f"mean over {args.seeds} seeds: cold {1000 * cold:.1f} ms, transfer {1000 * warm:.1f} ms, "
          f"ratio transfer / cold {warm / cold:.2f}")


if __name__ == "__main__":
    main()
