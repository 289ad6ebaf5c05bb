"""Landmarking: cross-validated performance of cheap learners.

Classification landmarkers report ``<Learner>AUC``, ``<Learner>ErrRate`` and
``<Learner>Kappa``; regression ones ``<Learner>R2`` and ``<Learner>RMSE`` (scores
defined in :mod:`metafeatures.learners.evaluation`: predictions of all folds pooled,
then scored once, as Weka does).

OpenML qualities. OpenML's evaluation engine (``GenericLandmarker``) runs a Weka learner
with ``Evaluation.crossValidateModel`` over **2** stratified folds (``Random(1)``) and
publishes ``weightedAreaUnderROC``, ``errorRate`` and ``kappa``. We follow that with
re-implemented learners (:mod:`metafeatures.learners`; each module says how it differs
from Weka): ``DecisionStump``, ``NaiveBayes``, ``kNN1N`` (IBk, k = 1).

The option-carrying landmarkers need care. The engine hands the same options array to
Weka's ``setOptions`` for every dataset, and ``setOptions`` blanks the options it
consumes; so only the first dataset of an engine run got ``J48 -C 0.001/0.0001/0.00001``,
``REPTree -L 1/2/3``, ``RandomTree -depth 1/2/3`` and ``AttributeSelectedClassifier
-E CfsSubsetEval -S BestFirst -W DecisionStump/NaiveBayes/IBk``; every later dataset
ran Weka's defaults (J48 at confidence 0.25; REPTree and RandomTree without depth limit;
CFS + best-first + **J48**). The published values show it: for 59 (REPTree), 51
(RandomTree), 68 (J48) and 43 (CFS) of the 100 OpenML100 tasks the three variants are
equal to the last digit (25/24/26/19 of the 26 matched corpus tasks). Since the point
of these names is comparison with OpenML's published values, ``J48.*``,
``REPTreeDepth*``, ``RandomTreeDepth*`` and ``CfsSubsetEval_*`` compute what OpenML
published for most tasks (the Weka defaults; the three variants are then equal), and
the definitions the names intend are computed too, under our own names:
``J48Cf00001/0001/001``, ``REPTreeMaxDepth1-3``, ``RandomTreeMaxDepth1-3``,
``CfsDecisionStump``, ``CfsNaiveBayes``, ``CfskNN1N``.

Our own landmarkers (``LinearDiscriminant*``, pymfe's ``BestNode*``, ``RandomNode*``,
``WorstNode*`` and the regression ones) use 10 stratified (regression: plain) shuffled
folds. Folds and learners are seeded from the context's seed. Landmarkers run on at
most :data:`MAX_ROWS` rows (a stratified subsample of the extractor's sample). A learner
that fails gives NaN and a :class:`MetaFeatureWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn import config_context
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor
from threadpoolctl import threadpool_limits

from metafeatures.learners.base import Learner
from metafeatures.learners.cfs import AttributeSelected
from metafeatures.learners.decision_stump import DecisionStump
from metafeatures.learners.evaluation import (classification_scores, cv_folds, out_of_fold,
                                              regression_scores)
from metafeatures.learners.naive_bayes import NaiveBayes
from metafeatures.learners.nearest_neighbour import OneNearestNeighbour
from metafeatures.learners.sklearn_adapters import EncodedEstimator, NodeLearner
from metafeatures.learners.table import Table
from metafeatures.learners.trees import PrunedC45, RandomDepthTree, ReducedErrorTree
from metafeatures.registry import MetaFeatureGroup, MetaFeatureWarning

__all__ = ["Landmarker", "LANDMARKERS", "GROUP", "compute", "table_of", "capped", "MAX_ROWS",
           "OPENML_FOLDS", "DEFAULT_FOLDS"]

#: Landmarkers run on at most this many rows: a stratified subsample (seeded) of the
#: extractor's sample when it is larger (cost control; 1-NN is quadratic in the rows).
MAX_ROWS = 3000

#: OpenML's landmarkers cross-validate over 2 folds (GenericLandmarker(..., 2, ...)).
OPENML_FOLDS = 2
#: Folds of the landmarkers OpenML does not define (pymfe's default).
DEFAULT_FOLDS = 10

CLASSIFICATION_SCORES = {
    "AUC": "Weka's weighted area under the one-vs-rest ROC curves (class-frequency weights)",
    "ErrRate": "error rate",
    "Kappa": "Cohen's kappa",
}
REGRESSION_SCORES = {"R2": "coefficient of determination R^2", "RMSE": "root mean squared error"}


@dataclass(frozen=True)
class Landmarker:
    """One landmark learner and how it is evaluated.

    Parameters
    ----------
    name : str
        Prefix of the output names (``name + "AUC"``...).
    make : callable
        ``make(seed) -> Learner`` (fresh, unfitted).
    task : {"classification", "regression"}
    folds : int
    description : str
        One line: the learner, for the definitions table.
    openml : bool
        Whether the outputs are OpenML data qualities (OpenML's definition).
    key : str, optional
        Landmarkers with the same key are the same learner: cross-validated once.
    """

    name: str
    make: Callable[[int], Learner]
    task: str
    folds: int
    description: str
    openml: bool = False
    key: str | None = None

    @property
    def scores(self) -> dict[str, str]:
        return CLASSIFICATION_SCORES if self.task == "classification" else REGRESSION_SCORES

    def output_names(self) -> list[str]:
        return [self.name + s for s in self.scores]


def _c(name, make, description, openml=True, folds=OPENML_FOLDS, key=None) -> Landmarker:
    return Landmarker(name, make, "classification", folds, description, openml, key)


def _r(name, make, description) -> Landmarker:
    return Landmarker(name, make, "regression", DEFAULT_FOLDS, description)


def _tree_regressor(depth: int | None) -> Callable[[int], Learner]:
    return lambda seed: EncodedEstimator(
        lambda: DecisionTreeRegressor(max_depth=depth, min_samples_leaf=2, random_state=seed),
        impute=False)


#: Weka defaults behind most of OpenML's published tree and CFS landmarkers (see the
#: module docstring): J48 at confidence 0.25, REPTree and RandomTree unlimited in depth,
#: AttributeSelectedClassifier = CFS + best-first + J48.
_J48_DEFAULT = 0.25

#: Every landmarker, in output order. Adding one = one line.
LANDMARKERS: list[Landmarker] = [
    _c("DecisionStump", lambda s: DecisionStump(), "Weka DecisionStump (entropy, missing branch)"),
    _c("NaiveBayes", lambda s: NaiveBayes(), "Weka NaiveBayes (Gaussian numeric, Laplace nominal)"),
    _c("kNN1N", lambda s: OneNearestNeighbour(), "Weka IBk, k=1 (normalised Euclidean distance)"),
    # OpenML's published values: the options were lost, Weka defaults ran (module docstring)
    *[_c(f"J48.{cf}.", lambda s: PrunedC45(_J48_DEFAULT, s),
         "Weka J48 with default options (C4.5, CF 0.25) as OpenML publishes it", key="J48")
      for cf in ("00001", "0001", "001")],
    *[_c(f"REPTreeDepth{d}", lambda s: ReducedErrorTree(None, s),
         "Weka REPTree with default options (no depth limit) as OpenML publishes it",
         key="REPTree") for d in (1, 2, 3)],
    *[_c(f"RandomTreeDepth{d}", lambda s: RandomDepthTree(None, s),
         "Weka RandomTree with default options (no depth limit) as OpenML publishes it",
         key="RandomTree") for d in (1, 2, 3)],
    *[_c(f"CfsSubsetEval_{name}", lambda s: AttributeSelected(lambda: PrunedC45(_J48_DEFAULT, s)),
         "J48 (CF 0.25) on CFS-selected attributes: AttributeSelectedClassifier defaults, "
         "as OpenML publishes it", key="CfsJ48")
      for name in ("DecisionStump", "NaiveBayes", "kNN1N")],
    # the definitions those OpenML names intend, under our own names
    *[_c(f"J48Cf{cf}", lambda s, c=float("0." + cf): PrunedC45(c, s),
         f"C4.5 pruned at confidence 0.{cf} (J48 -C 0.{cf})", openml=False)
      for cf in ("00001", "0001", "001")],
    *[_c(f"REPTreeMaxDepth{d}", lambda s, d=d: ReducedErrorTree(d, s),
         f"reduced-error-pruned tree of depth <= {d} (REPTree -L {d})", openml=False)
      for d in (1, 2, 3)],
    *[_c(f"RandomTreeMaxDepth{d}", lambda s, d=d: RandomDepthTree(d, s),
         f"random tree of depth <= {d} (RandomTree -depth {d})", openml=False) for d in (1, 2, 3)],
    _c("CfsDecisionStump", lambda s: AttributeSelected(DecisionStump),
       "DecisionStump on the CFS-selected attributes (best-first)", openml=False),
    _c("CfsNaiveBayes", lambda s: AttributeSelected(NaiveBayes),
       "NaiveBayes on the CFS-selected attributes (best-first)", openml=False),
    _c("CfskNN1N", lambda s: AttributeSelected(OneNearestNeighbour),
       "1-NN on the CFS-selected attributes (best-first)", openml=False),
    # pymfe-style landmarkers, 10 folds
    _c("LinearDiscriminant",
       lambda s: EncodedEstimator(lambda: LinearDiscriminantAnalysis(solver="lsqr")),
       "linear discriminant analysis (one-hot, mean-imputed)", False, DEFAULT_FOLDS),
    _c("BestNode", lambda s: NodeLearner("best", s),
       "pymfe best node: depth-1 CART (Gini) on all attributes", False, DEFAULT_FOLDS),
    _c("RandomNode", lambda s: NodeLearner("random", s),
       "pymfe random node: depth-1 CART on one seeded random attribute", False, DEFAULT_FOLDS),
    _c("WorstNode", lambda s: NodeLearner("worst", s),
       "worst node: depth-1 CART on the least informative attribute", False, DEFAULT_FOLDS),
    _r("RegDecisionStump", _tree_regressor(1), "regression stump (depth-1 CART, squared error)"),
    _r("RegkNN1N", lambda s: OneNearestNeighbour(), "1-NN, Weka IBk distance, mean of ties"),
    _r("LinearRegression", lambda s: EncodedEstimator(LinearRegression),
       "least-squares linear regression (one-hot, mean-imputed)"),
    _r("RegTreeDepth3", _tree_regressor(3), "CART regression tree of depth 3"),
    _r("RegRandomNode", lambda s: NodeLearner("random", s),
       "depth-1 regression tree on one seeded random attribute"),
]


def capped(ctx, max_rows: int):
    """The context itself, or a context over a stratified subsample of ``max_rows`` rows."""
    if max_rows is None or ctx.dataset.n_rows <= max_rows:
        return ctx
    from metafeatures.context import DatasetContext

    return DatasetContext(ctx.dataset.subsample(max_rows, seed=ctx.seed), seed=ctx.seed,
                          max_rows=max_rows)


def table_of(ctx) -> tuple[Table, np.ndarray, int]:
    """The learners' view of a context: table, target (codes or values), n_classes."""
    levels = tuple(int(max(1, n)) for n in ctx.n_categories)
    table = Table(np.asarray(ctx.numeric, dtype=float),
                  np.asarray(ctx.categorical_codes, dtype=np.int64), levels)
    if ctx.is_classification:
        return table, np.asarray(ctx.y_codes, dtype=np.int64), int(ctx.n_classes)
    return table, np.asarray(ctx.y_numeric, dtype=float), 0


def evaluate(landmarker: Landmarker, table: Table, y: np.ndarray, n_classes: int,
             seed: int, folds: list | None = None) -> dict[str, float]:
    """Cross-validate one landmarker; returns its scores keyed by output name."""
    folds = folds or cv_folds(y, landmarker.folds, seed, stratified=n_classes > 0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pred = out_of_fold(lambda: landmarker.make(seed), table, y, n_classes, folds)
    scores = classification_scores(y, pred) if n_classes else regression_scores(y, pred)
    return {landmarker.name + k: v for k, v in scores.items()}


def compute(ctx, landmarkers: list[Landmarker] | None = None,
            max_rows: int | None = MAX_ROWS) -> dict[str, float]:
    """All landmarkers of the context's task (the others are NaN), on at most
    ``max_rows`` rows (None: all rows of the context)."""
    # one BLAS thread: the matrices are small, and threads thrash on a busy machine;
    # scikit-learn's checks of its (fixed) arguments skipped: on small tables they cost
    # more than the fits (the values do not change)
    with threadpool_limits(limits=1, user_api="blas"), config_context(
            skip_parameter_validation=True):
        return _compute(capped(ctx, max_rows), landmarkers)


def _compute(ctx, landmarkers: list[Landmarker] | None) -> dict[str, float]:
    table, y, n_classes = table_of(ctx)
    task = "classification" if n_classes else "regression"
    out: dict[str, float] = {}
    fold_cache: dict[int, list] = {}
    done: dict[tuple[str, int], dict[str, float]] = {}  # (key, folds) -> scores
    for lm in landmarkers or LANDMARKERS:
        names = lm.output_names()
        if lm.task != task:
            out.update(dict.fromkeys(names, float("nan")))
            continue
        try:
            if lm.folds not in fold_cache:
                fold_cache[lm.folds] = cv_folds(y, lm.folds, ctx.seed, stratified=n_classes > 0)
            shared = (lm.key, lm.folds) if lm.key else None
            if shared in done:
                scores = done[shared]
            else:
                values = evaluate(lm, table, y, n_classes, ctx.seed, fold_cache[lm.folds])
                scores = {k[len(lm.name):]: v for k, v in values.items()}
                if shared:
                    done[shared] = scores
            out.update({lm.name + k: v for k, v in scores.items()})
        except Exception as exc:  # one learner failing must not stop the others
            warnings.warn(f"landmarker {lm.name} failed ({type(exc).__name__}: {exc}); "
                          "its values are NaN", MetaFeatureWarning, stacklevel=2)
            out.update(dict.fromkeys(names, float("nan")))
    return out


def _definitions() -> dict[str, str]:
    defs = {}
    for lm in LANDMARKERS:
        cv = (f"{lm.folds}-fold stratified CV" if lm.task == "classification"
              else f"{lm.folds}-fold CV")
        source = " (OpenML quality)" if lm.openml else ""
        for score, text in lm.scores.items():
            defs[lm.name + score] = (f"{text} of {lm.description}, {cv} on <= {MAX_ROWS} rows, "
                                     f"pooled predictions{source}")
    return defs


GROUP = MetaFeatureGroup(
    name="landmarking",
    compute=compute,
    definitions=_definitions(),
    expensive=True,
    openml=frozenset(n for lm in LANDMARKERS if lm.openml for n in lm.output_names()),
)
