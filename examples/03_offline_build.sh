#!/usr/bin/env bash
# Build your own repository of prior evaluations offline, then recommend from it.
# The datasets here are generated; point the build at your own folder of CSV/ARFF/Parquet
# files or at a manifest (name,file,task,target) instead.
set -euo pipefail
work=$(mktemp -d)

python - "$work" <<'PY'
import sys
from pathlib import Path
import pandas as pd
from sklearn.datasets import make_classification

folder = Path(sys.argv[1]) / "datasets"
folder.mkdir()
rows = []
for i, (n, p) in enumerate([(300, 8), (500, 20), (800, 5), (400, 12)]):
    X, y = make_classification(n_samples=n, n_features=p, n_informative=max(2, p // 2),
                               random_state=i)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
    frame["label"] = y
    frame.to_csv(folder / f"synthetic_{i}.csv", index=False)
    rows.append({"name": f"synthetic_{i}", "file": f"synthetic_{i}.csv",
                 "task": "classification", "target": "label"})
pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)
PY

# Evaluate 8 LightGBM configurations (library default first) with 3-fold CV on each dataset,
# and store each dataset's meta-features (what recommendations are matched on).
# Resumable: rerun the same command after an interruption and finished work is kept.
# Add --scheduler tcp://HOST:8786 to run the same build on a dask.distributed cluster.
metaknow repository build "$work/datasets/manifest.csv" --store "$work/mine.sqlite" \
    --spaces lightgbm --task-types classification --n-configs 8 --folds 3 --n-jobs 2
metaknow repository info --repository "$work/mine.sqlite"
metaknow repository verify --repository "$work/mine.sqlite"
metaknow recommend sklearn:breast_cancer --space lightgbm --k 3 --repository "$work/mine.sqlite"
