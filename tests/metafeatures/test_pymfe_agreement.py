"""Agreement with pymfe 0.4.4 (a reference implementation) where the definitions coincide.

pymfe name (summarised by the mean) -> metaknow name. pymfe's skewness/kurtosis are
asked for method 2 (the bias-corrected G1/G2 that OpenML and metaknow use); its
info-theory group discretises numeric attributes into floor(n^(1/3)) equal-frequency
bins, which metaknow's *AllAtts meta-features reproduce.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pymfe_mfe = pytest.importorskip("pymfe.mfe", reason="pymfe is the reference implementation")

from metafeatures import extract  # noqa: E402

EXACT = {
    "nr_inst": "NumberOfInstances", "nr_class": "NumberOfClasses",
    "attr_to_inst": "DatasetRatio", "inst_to_attr": "InverseDatasetRatio",
    "freq_class.mean": "ClassProbabilityMean", "freq_class.sd": "ClassProbabilityStdDev",
    "mean.mean": "MeanMeansOfNumericAtts", "sd.mean": "MeanStdDevOfNumericAtts",
    "skewness.mean": "MeanSkewnessOfNumericAtts", "kurtosis.mean": "MeanKurtosisOfNumericAtts",
    "cor.mean": "MeanAbsCorrelationOfNumericAtts", "cor.sd": "StdDevAbsCorrelationOfNumericAtts",
    "cov.mean": "MeanAbsCovarianceOfNumericAtts", "nr_cor_attr": "ProportionOfHighlyCorrelatedPairs",
    "nr_outliers": "NumberOfNumericAttsWithOutliers", "sparsity.mean": "MeanSparsityOfAtts",
    "class_ent": "ClassEntropy",
}
DISCRETISED = {
    "attr_ent.mean": "MeanAttributeEntropyAllAtts", "mut_inf.mean": "MeanMutualInformationAllAtts",
    "joint_ent.mean": "MeanJointEntropyAllAtts", "eq_num_attr": "EquivalentNumberOfAttsAllAtts",
    "ns_ratio": "NoiseToSignalRatioAllAtts",
}
NOMINAL = {  # OpenML's entropy qualities use nominal attributes only
    "attr_ent.mean": "MeanAttributeEntropy", "mut_inf.mean": "MeanMutualInformation",
    "joint_ent.mean": "MeanJointEntropy", "eq_num_attr": "EquivalentNumberOfAtts",
    "ns_ratio": "MeanNoiseToSignalRatio", "attr_ent.max": "MaxAttributeEntropy",
}


def pymfe_values(X: np.ndarray, y: np.ndarray, cat_cols=None) -> dict[str, float]:
    mfe = pymfe_mfe.MFE(groups=["general", "statistical", "info-theory"],
                        summary=["mean", "sd", "max"], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mfe.fit(X, y, cat_cols=cat_cols, transform_cat=None, precomp_groups=None)
        names, values = mfe.extract(skewness={"method": 2}, kurtosis={"method": 2})
    return dict(zip(names, values))


@pytest.mark.parametrize("loader", ["load_wine", "load_breast_cancer", "load_iris"])
def test_numeric_datasets_agree(loader: str) -> None:
    import sklearn.datasets

    X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
    ref = pymfe_values(X, y)
    ours = extract((pd.DataFrame(X), pd.Series(y.astype(str)).astype("category")),
                   groups="general,statistical,info-theory")
    for theirs, mine in EXACT.items():
        assert ours[mine] == pytest.approx(ref[theirs], rel=1e-9, abs=1e-12), (theirs, mine)
    for theirs, mine in DISCRETISED.items():
        # pymfe adds 1e-8 to every joint-probability cell
        assert ours[mine] == pytest.approx(ref[theirs], rel=1e-5), (theirs, mine)


def test_categorical_table_agrees_with_openml_entropies() -> None:
    rng = np.random.default_rng(0)
    n = 400
    y = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    cols = {f"x{j}": np.where(rng.random(n) < 0.3 + 0.1 * j, y, rng.choice(["p", "q", "r", "s"], n))
            for j in range(5)}
    frame = pd.DataFrame({k: pd.Categorical(v) for k, v in cols.items()})
    ref = pymfe_values(frame.to_numpy(dtype=object), y, cat_cols=list(range(5)))
    ours = extract((frame, pd.Series(y).astype("category")), groups="general,info-theory")
    for theirs, mine in NOMINAL.items():
        # pymfe adds 1e-8 to every joint-probability cell (joint entropy, hence mutual
        # information); the attribute entropies are computed identically
        rel = 1e-12 if theirs.startswith("attr_ent") else 1e-5
        assert ours[mine] == pytest.approx(ref[theirs], rel=rel), (theirs, mine)
    assert ours["ClassEntropy"] == pytest.approx(ref["class_ent"], rel=1e-12)
    assert ours["NumberOfSymbolicFeatures"] - 1 == ref["nr_cat"]
