"""The tables of the race and the held-out test split no tuner sees.

A table is named as in ``manifest.csv`` of the shared tables folder (R data packages) or
of the corpus folder (ARFF files); the tables folder is looked in first. Per (table,
seed) the rows are split once, stratified for classification, into a training part that
every tuner sees and a test part that only the final scoring sees.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from metaknow.dataset import Dataset, load_dataset
from metaknow.exceptions import MetaknowError

__all__ = ["DEFAULT_TABLES", "TEST_FRACTION", "RaceTable", "find_table", "load_race_table", "take"]

#: At least 20,000 rows each: three real-world tables (two classification, one
#: regression) and three corpus datasets (one classification, two regression).
DEFAULT_TABLES = ("Fertility", "Shuttle", "CPSSW8", "letter", "cal.housing", "house8L")
TEST_FRACTION = 0.2


@dataclass
class RaceTable:
    """One table split for one seed.

    Attributes
    ----------
    full : Dataset
        Every labelled row (the refit and the test scoring index into it).
    train_idx, test_idx : numpy.ndarray
        Row positions of the training part (what tuners see) and of the test part.
    """

    full: Dataset
    train_idx: np.ndarray
    test_idx: np.ndarray

    @property
    def train(self) -> Dataset:
        """The training rows as a dataset of their own (named like the table)."""
        return take(self.full, self.train_idx)


def find_table(name: str, folders: list[Path]) -> tuple[Path, str | None, str | None]:
    """``(file, target, task)`` of table ``name`` in the first folder whose manifest lists it."""
    for folder in folders:
        manifest = folder / "manifest.csv"
        if not manifest.is_file():
            continue
        rows = pd.read_csv(manifest)
        hit = rows[rows["name"].astype(str) == name]
        if len(hit):
            row = hit.iloc[0]
            return folder / str(row["file"]), str(row["target"]), str(row["task"])
    known = ", ".join(str(f) for f in folders)
    raise MetaknowError(f"table {name!r} is in no manifest.csv of {known}")


def load_race_table(name: str, folders: list[Path], seed: int,
                    test_fraction: float = TEST_FRACTION) -> RaceTable:
    """Load table ``name`` and split it for ``seed`` (see the module docstring)."""
    path, target, task = find_table(name, folders)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_dataset(path, target=target, task=task, name=name)
    train_idx, test_idx = heldout_split(data, seed, test_fraction)
    return RaceTable(data, train_idx, test_idx)


def heldout_split(data: Dataset, seed: int, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of the row positions (stratified by class for classification)."""
    rng = np.random.default_rng([seed, 20])
    if data.task == "classification":
        codes = np.asarray(data.y.cat.codes)
        test = []
        for code in np.unique(codes):
            members = rng.permutation(np.flatnonzero(codes == code))
            test.append(members[: round(test_fraction * len(members))])
        test_idx = np.sort(np.concatenate(test))
    else:
        test_idx = np.sort(rng.permutation(data.n_rows)[: round(test_fraction * data.n_rows)])
    train_idx = np.setdiff1d(np.arange(data.n_rows), test_idx)
    return train_idx, test_idx


def take(data: Dataset, idx: np.ndarray) -> Dataset:
    """The rows ``idx`` of ``data`` as a dataset with the same name, columns and classes."""
    return Dataset(data.X.iloc[idx].reset_index(drop=True), data.y.iloc[idx].reset_index(drop=True),
                   data.task, data.name, data.target, list(data.notes),
                   label_values=data.label_values)
