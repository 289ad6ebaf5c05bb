"""Put meta-features on one scale so that distances between tasks mean something.

Per meta-feature, fitted on the prior tasks:

1. drop it when it is missing on more than ``max_missing`` of the tasks or constant;
2. heavy-tailed ones (counts such as NumberOfInstances, ratios with huge outliers) go
   through a signed ``log1p`` — chosen when the largest absolute value exceeds 100 times
   the median absolute value, or the absolute skewness exceeds 3;
3. robust scaling: subtract the median, divide by the interquartile range (the standard
   deviation, then 1, when the IQR is 0); values are clipped to ``[-clip, clip]``.

NaN stays NaN; :class:`~metaknow.recommenders.task_distance.TaskDistance` decides what
a missing value costs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import skew

__all__ = ["MetaFeatureScaler"]


class MetaFeatureScaler:
    """Robust, log-aware, NaN-preserving scaling of a tasks x meta-features matrix.

    Parameters
    ----------
    max_missing : float, default=0.5
        Largest fraction of tasks on which a kept meta-feature may be missing.
    clip : float, default=10.0
        Scaled values are clipped to ``[-clip, clip]``.
    """

    def __init__(self, *, max_missing: float = 0.5, clip: float = 10.0) -> None:
        self.max_missing = max_missing
        self.clip = clip

    def fit(self, metafeatures: pd.DataFrame) -> "MetaFeatureScaler":
        frame = metafeatures.apply(pd.to_numeric, errors="coerce").astype(float)
        X = frame.to_numpy(dtype=float, copy=True)
        X[~np.isfinite(X)] = np.nan
        names, logs, centers, scales = [], [], [], []
        for i, name in enumerate(frame.columns):
            col = X[:, i]
            ok = col[~np.isnan(col)]
            if len(ok) < 2 or np.isnan(col).mean() > self.max_missing or np.ptp(ok) == 0:
                continue
            med_abs = np.median(np.abs(ok))
            with np.errstate(all="ignore"):
                sk = abs(float(skew(ok))) if np.std(ok) > 0 else 0.0
            heavy = bool(np.max(np.abs(ok)) > 100 * max(med_abs, 1e-12) or sk > 3)
            t = np.sign(ok) * np.log1p(np.abs(ok)) if heavy else ok
            q25, q50, q75 = np.percentile(t, [25, 50, 75])
            scale = q75 - q25
            if not scale > 0:
                scale = float(np.std(t)) or 1.0
            names.append(str(name))
            logs.append(heavy)
            centers.append(q50)
            scales.append(scale)
        self.features_ = names
        self.log_ = np.array(logs, dtype=bool)
        self.center_ = np.array(centers, dtype=float)
        self.scale_ = np.array(scales, dtype=float)
        return self

    def transform(self, metafeatures: pd.DataFrame | pd.Series) -> np.ndarray:
        """Scaled values, shape (tasks, kept features); a Series gives one row."""
        if isinstance(metafeatures, pd.Series):  # one task: the fast path of a query
            row = metafeatures.reindex(self.features_)
            if row.dtype == object or isinstance(row.dtype, pd.StringDtype):
                row = pd.to_numeric(row, errors="coerce")
            X = row.to_numpy(dtype=float, copy=True)[None, :]
        else:
            frame = metafeatures.reindex(columns=self.features_)
            X = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, copy=True)
        X[~np.isfinite(X)] = np.nan
        X[:, self.log_] = np.sign(X[:, self.log_]) * np.log1p(np.abs(X[:, self.log_]))
        Z = (X - self.center_) / self.scale_
        return np.clip(Z, -self.clip, self.clip)
