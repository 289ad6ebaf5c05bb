"""Landmarking values of corpus datasets, dumped and compared bit for bit across checkouts.

A speed-up of the landmarkers must not change a value (a changed rounding can flip a
tie between two splits). Dump from each checkout, then compare:

    PYTHONPATH=. python benchmarks/landmarking_values.py dump /tmp/after.json
    PYTHONPATH=/path/to/old python /path/to/old/benchmarks/landmarking_values.py dump /tmp/before.json
    python benchmarks/landmarking_values.py compare /tmp/before.json /tmp/after.json

Datasets: digits (scikit-learn), six named corpus datasets and every sixth corpus file
in name order (``--every 1``: every corpus file), each of at most ``MAX_ROWS`` rows; values are stored as ``repr`` of the
float, so NaN and every bit compare exactly.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / ".." / "shared" / "data" / "corpus"
NAMED = ["sklearn:digits", "credit.g", "letter", "kr.vs.kp", "segment", "mushroom", "optdigits"]
MAX_ROWS = 30_000


def dataset_names(corpus: Path, every: int = 6) -> list[str]:
    files = sorted(corpus.glob("*.arff.gz"))
    rest = [f.name[: -len(".arff.gz")] for f in files[::every]]
    return NAMED + [name for name in rest if name not in NAMED]


def dump(out: Path, corpus: Path, every: int = 6) -> int:
    from metafeatures import extract_dataset
    from metaknow.dataset import load_dataset

    values: dict[str, object] = {}
    for name in dataset_names(corpus, every):
        try:
            ds = load_dataset(name if name.startswith("sklearn:") else corpus / f"{name}.arff.gz")
            if ds.n_rows > MAX_ROWS:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                row = extract_dataset(ds, groups="landmarking", seed=0)
            values[name] = {k: repr(float(v)) for k, v in row.items()}
        except Exception as exc:  # recorded: a failure must fail the same way in both
            values[name] = f"{type(exc).__name__}: {exc}"
    out.write_text(json.dumps(values, indent=0))
    print(f"{len(values)} datasets -> {out}")
    return 0


def compare(a: Path, b: Path) -> int:
    left, right = json.loads(a.read_text()), json.loads(b.read_text())
    differing = [name for name in left if left[name] != right.get(name)]
    n_values = sum(len(v) for v in left.values() if isinstance(v, dict))
    print(f"{len(left)} datasets, {n_values} values; differing datasets: {len(differing)}")
    for name in differing:
        print(f"  {name}")
    return 1 if differing or set(left) != set(right) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--corpus", type=Path, default=CORPUS)
    d.add_argument("--every", type=int, default=6,
                   help="every N-th corpus file in name order (1: the whole corpus)")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        return dump(args.out, args.corpus, args.every)
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
