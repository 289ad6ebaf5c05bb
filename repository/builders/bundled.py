"""The bundled repository: how it is built, and where its committed files live.

The bundled default is built by the local builder from two sources, each read through
its manifest (task and target columns) with one fixed protocol: the shared corpus of
clean benchmark datasets (``../shared/data/corpus/``, source ``corpus``) and the noisy
real-world tables of R data packages (``../shared/data/tables/``, source ``tables``), so
that business, medical and social-science tables have neighbours too. The working SQLite file lives outside git; every (space, dataset) pair
that completes is exported atomically to ``repository/bundled/`` (see
:mod:`repository.export`), which is what gets committed. On a new machine the build
first loads the committed files into a fresh working store, so finished pairs are
skipped and the build resumes where the committed files end.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from metaknow.evaluation import Protocol
from metaknow.exceptions import RepositoryError
from metaknow.spaces import space_names
from repository import export
from repository.builders.local import LocalBuilder, collect_datasets
from repository.store import Store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BUNDLED_DIR", "PROTOCOL", "N_CONFIGS", "DESIGN_SEED", "build_order",
           "build_bundled", "compute_metafeatures", "IN_PROGRESS", "phases_in_progress"]

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "bundled"
PROTOCOL = Protocol(n_splits=3, n_repeats=1, seed=0, max_rows=2000, time_limit=60.0)
N_CONFIGS = 64
DESIGN_SEED = 0
MEMORY_LIMIT_MB = 4096
SOURCE = "corpus"
#: Second source: real-world tables (``../shared/data/tables``).
TABLES_SOURCE = "tables"
#: Work order: LightGBM classification first (the warm-start benchmark needs it), then
#: LightGBM regression, random forest, the two cheap spaces (k-NN, logistic regression:
#: the warm-start benchmark's second space can start early), then the costly ones.
_FIRST = [("lightgbm", "classification"), ("lightgbm", "regression"),
          ("random_forest", "classification"), ("knn", "classification"),
          ("logistic_regression", "classification"), ("hist_gradient_boosting", "classification"),
          ("extra_trees", "classification"), ("svm", "classification")]


#: File of the bundled folder naming the build phases (``space/task source`` per line)
#: started but not finished: a committed folder with missing pairs says which, and why.
IN_PROGRESS = "in_progress.txt"


def phases_in_progress(folder: str | Path = BUNDLED_DIR) -> set[tuple[str, str]]:
    """``(space key, source)`` of the phases the last build started and did not finish."""
    path = Path(folder) / IN_PROGRESS
    if not path.is_file():
        return set()
    return {tuple(line.split()) for line in path.read_text().splitlines() if line.strip()}  # type: ignore[misc]


def _mark_in_progress(folder: Path, phase: tuple[str, str], started: bool) -> None:
    phases = phases_in_progress(folder)
    phases = phases | {phase} if started else phases - {phase}
    if phases:
        text = "".join(f"{k} {src}\n" for k, src in sorted(phases))
        export._atomic_write(folder / IN_PROGRESS, text.encode())  # noqa: SLF001
    else:
        (folder / IN_PROGRESS).unlink(missing_ok=True)


#: Spaces that exist to hold imported meta-data, not bundled evaluations: AdaBoost holds
#: OpenML flow 6970's runs, and half of its design (SAMME.R) cannot run in scikit-learn
#: >= 1.6, so bundled evaluations of it would repeat the same models.
IMPORT_ONLY = {"adaboost"}


def build_order() -> list[tuple[str, str]]:
    """``(algorithm, task type)`` phases of the bundled build, in order."""
    registered = set(space_names("classification")) - IMPORT_ONLY
    order = [p for p in _FIRST if p[1] == "regression" or p[0] in registered]
    order += [(n, "classification") for n in sorted(registered) if (n, "classification") not in order]
    return order


def default_corpus() -> Path:
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "corpus"


def default_tables() -> Path:
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "tables"


def default_sources(corpus: str | Path | None = None,
                    tables: str | Path | None = None) -> dict[str, Path]:
    """``source name -> manifest`` of the bundled build (a missing tables folder is left out
    only when it was not asked for explicitly)."""
    out = {SOURCE: _manifest(corpus if corpus is not None else default_corpus())}
    t = Path(tables) if tables is not None else default_tables()
    if tables is not None or (t / "manifest.csv").is_file():
        out[TABLES_SOURCE] = _manifest(t)
    return out


def _manifest(path: str | Path) -> Path:
    path = Path(path)
    manifest = path / "manifest.csv" if path.is_dir() else path
    if not manifest.is_file():
        raise RepositoryError(f"{manifest}: no manifest")
    return manifest


def build_bundled(sources: dict[str, Path], work: str | Path, out: str | Path = BUNDLED_DIR, *,
                  n_jobs: int = 1, scheduler: str | None = None, progress: bool = True,
                  only: list[str] | None = None, n_configs: int = N_CONFIGS,
                  retry_failed: bool = False, log: Callable[[str], None] = print) -> None:
    """Build (or resume) the bundled repository from ``sources`` (name -> manifest, see
    :func:`default_sources`); see the module docstring."""
    work, out = Path(work), Path(out)
    manifests = {name: _manifest(path) for name, path in sources.items()}
    work.parent.mkdir(parents=True, exist_ok=True)
    fresh = not work.exists()
    store = Store.create(work, exist_ok=True)
    if fresh and (out / "FORMAT").is_file():
        counts = store.ingest(export.read_export(out), provenance="resume from committed files")
        log(f"resumed from {out}: {counts}")
    datasets = {name: collect_datasets([m]) for name, m in manifests.items()}
    names = [e.name for entries in datasets.values() for e in entries]
    if len(set(names)) < len(names):
        raise RepositoryError("a dataset name occurs in two sources; names must be unique")

    def builder(source: str) -> LocalBuilder:
        def pair_done(space_key: str, task: str) -> None:
            export.export_pair(store, space_key, task, source, out)  # unchanged files stay untouched
            export.write_skipped(store, out)

        return LocalBuilder(store, PROTOCOL, source=source, n_jobs=n_jobs, scheduler=scheduler,
                            memory_limit_mb=MEMORY_LIMIT_MB, progress=progress,
                            on_pair_done=pair_done, log=log, retry_failed=retry_failed)

    builders = {source: builder(source) for source in datasets}
    for name, task in build_order():
        if only and name not in only:
            continue
        for source, entries in datasets.items():
            start = time.time()
            log(f"phase {name}/{task} ({source}): start")
            _mark_in_progress(out, (f"{name}/{task}", source), started=True)
            summary = builders[source].build(entries, [name], n_configs, DESIGN_SEED,
                                             task_types=[task])
            export.write_skipped(store, out)
            _mark_in_progress(out, (f"{name}/{task}", source), started=False)
            log(f"phase {name}/{task} ({source}): done in {time.time() - start:.0f} s "
                f"({summary.evaluated} new fold evaluations, failures {summary.failures}, "
                f"{len(summary.skipped)} skipped)")
    store.close()


def compute_metafeatures(sources: dict[str, Path], out: str | Path = BUNDLED_DIR, *,
                         log: Callable[[str], None] = print) -> int:
    """Extract meta-features of every dataset of ``sources`` into ``out/metafeatures.csv``.

    Uses the project's extractor (:func:`metafeatures.extract`, seed 0) on the data the
    builder uses (the manifest's task and target, all rows). Datasets that cannot be
    loaded are left out (the build records them as skipped). Rows already in the file
    for the same (task, source) and extractor version are kept, not recomputed. Returns
    the number of rows.
    """
    import pandas as pd

    from metaknow.dataset import load_dataset
    from metafeatures import STORE_ENGINE, engine_version, extract

    out = Path(out)
    version = engine_version(STORE_ENGINE)
    kept: dict[tuple[str, str], dict] = {}
    if (out / "metafeatures.csv").is_file():
        old = pd.read_csv(out / "metafeatures.csv", dtype={"task": str, "source": str})
        old = old[old["extractor_version"].astype(str) == str(version)]
        kept = {(r["task"], r["source"]): r for r in old.to_dict("records")}
    rows = []
    entries = [(source, e) for source, path in sources.items()
               for e in collect_datasets([_manifest(path)])]
    for source, e in sorted(entries, key=lambda se: (se[0] != SOURCE, se[1].name)):
        if (e.name, source) in kept:
            rows.append(kept[(e.name, source)])
            continue
        start = time.time()
        try:
            data = load_dataset(e.path, target=e.target, task=e.task, name=e.name)  # type: ignore[arg-type]
        except Exception as exc:  # the build skips it too
            log(f"meta-features: {e.name} left out ({exc})")
            continue
        values = extract(data, task=data.task, seed=0, openml_engine=STORE_ENGINE)
        rows.append({"task": e.name, "source": source, "extractor": "metaknow",
                     "extractor_version": version, **values.to_dict()})
        log(f"meta-features: {e.name} ({int(values.notna().sum())}/{len(values)} values, "
            f"{time.time() - start:.1f} s)")
    frame = pd.DataFrame(rows)
    text = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    export._atomic_write(out / "metafeatures.csv", text.encode())  # noqa: SLF001
    return len(rows)


def cost_table(folder: str | Path = BUNDLED_DIR) -> "pd.DataFrame":
    """Model time per (space, dataset) pair of the committed files, summarised per space.

    Sums fit + predict seconds of every fold of a pair (64 configurations x 3 folds);
    timeouts count their full limit. Columns: pairs done, median / mean / max seconds per
    pair, and total CPU hours so far.
    """
    import csv as _csv
    import gzip
    import io

    import pandas as pd

    folder = Path(folder)
    with (folder / "tasks.csv").open(newline="") as fh:
        types = {r["name"]: r["task_type"] for r in _csv.DictReader(fh)}
    per_pair = []
    for path in sorted((folder / "evaluations").glob("*/*.csv.gz")):
        frame = pd.read_csv(io.BytesIO(gzip.decompress(path.read_bytes())))
        task = path.name[: -len(".csv.gz")]
        seconds = float(frame["fit_time"].fillna(0).sum() + frame["predict_time"].fillna(0).sum())
        per_pair.append({"space": f"{path.parent.name}/{types.get(task, '?')}", "task": task,
                         "seconds": seconds})
    pairs = pd.DataFrame(per_pair)
    if pairs.empty:
        return pairs
    out = pairs.groupby("space")["seconds"].agg(["count", "median", "mean", "max", "sum"])
    out["cpu_hours"] = out["sum"] / 3600
    return out.drop(columns="sum").rename(columns={"count": "pairs"}).round(2)


def _markdown(frame: "pd.DataFrame") -> str:
    cols = [frame.index.name or ""] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in frame.iterrows():
        lines.append("| " + " | ".join([str(idx)] + [f"{v:g}" for v in row]) + " |")
    return "\n".join(lines)


def probe_cost(corpus: str | Path, datasets: list[str], spaces: list[str], every: int = 8,
               log: Callable[[str], None] = print) -> list[dict[str, float | str]]:
    """Estimate the cost of a pair without building it: evaluate every ``every``-th
    configuration of the bundled design with the bundled protocol (sandboxed, as the
    build does) and scale the wall time by ``every``."""
    from metaknow.dataset import load_dataset
    from metaknow.evaluation import evaluate, make_splits
    from metaknow.spaces import get_space

    corpus = Path(corpus)
    manifest = corpus / "manifest.csv" if corpus.is_dir() else corpus
    entries = {e.name: e for e in collect_datasets([manifest])}
    out: list[dict[str, float | str]] = []
    for name in datasets:
        if name not in entries:
            raise RepositoryError(f"{name}: not in {manifest}")
        e = entries[name]
        data = load_dataset(e.path, target=e.target, task=e.task, name=e.name)  # type: ignore[arg-type]
        splits = make_splits(data, PROTOCOL)
        for algo in spaces:
            design = get_space(algo, data.task).design(N_CONFIGS, seed=DESIGN_SEED)[::every]
            start, model = time.time(), 0.0
            for config in design:
                for r in evaluate(algo, config, data, splits, seed=PROTOCOL.seed,
                                  time_limit=PROTOCOL.time_limit, memory_limit_mb=MEMORY_LIMIT_MB):
                    model += r.fit_time + r.predict_time
            wall = time.time() - start
            row = {"dataset": name, "space": algo, "configs": len(design), "wall_s": round(wall, 1),
                   "model_s": round(model, 1), "pair_estimate_s": round(wall * N_CONFIGS / len(design))}
            log(str(row))
            out.append(row)
    return out


if __name__ == "__main__":
    # python -m repository.builders.bundled                 -> cost table of the committed pairs
    # python -m repository.builders.bundled --probe A B --spaces lightgbm svm
    import argparse

    parser = argparse.ArgumentParser(description="bundled repository costs")
    parser.add_argument("--probe", nargs="+", help="datasets to probe")
    parser.add_argument("--spaces", nargs="+", default=["lightgbm"])
    parser.add_argument("--every", type=int, default=8)
    parser.add_argument("--corpus", default=str(default_corpus()))
    a = parser.parse_args()
    if a.probe:
        probe_cost(a.corpus, a.probe, a.spaces, a.every)
    else:
        print(_markdown(cost_table()))
