"""AdaBoost on decision trees, classification (the space of OpenML flow 6970).

Ranges follow the AdaBoost space of van Rijn & Hutter, "Hyperparameter Importance
Across Datasets" (KDD 2018), whose OpenML100 runs (flow 6970) map onto this space.

``algorithm``: OpenML's runs were made with scikit-learn versions that offered both
``SAMME`` and ``SAMME.R``. scikit-learn 1.6 deprecated ``SAMME.R`` and later versions
removed the ``algorithm`` argument altogether; the installed scikit-learn implements
``SAMME`` only. The parameter stays in the space so imported OpenML configurations keep
their true value (and recommenders can learn from it), but every configuration is
**executed as SAMME**: a ``SAMME.R`` configuration evaluated locally is not the model
OpenML's user ran, and its local score may differ from OpenML's.
"""

from __future__ import annotations

from typing import Any

from metaknow.space import Categorical, Float, Integer, SearchSpace
from metaknow.spaces.algorithm import Algorithm

#: The one boosting algorithm the installed scikit-learn implements.
EXECUTED_ALGORITHM = "SAMME"

_PARAMS = (
    Categorical("algorithm", ("SAMME", "SAMME.R"), default="SAMME"),
    Float("learning_rate", 0.01, 2.0, default=1.0, log=True),
    Integer("max_depth", 1, 10, default=1),
    Integer("n_estimators", 50, 500, default=50),
    # As in the other spaces: SimpleImputer's own default ("mean") is the space default.
    Categorical("imputer_strategy", ("mean", "median", "most_frequent"), default="mean"),
)


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.ensemble import AdaBoostClassifier
    from sklearn.tree import DecisionTreeClassifier

    # config["algorithm"] is not passed on: see the module docstring (always SAMME).
    tree = DecisionTreeClassifier(max_depth=int(config["max_depth"]), random_state=seed)
    return AdaBoostClassifier(estimator=tree, n_estimators=int(config["n_estimators"]),
                              learning_rate=float(config["learning_rate"]), random_state=seed)


ALGORITHM = Algorithm(
    name="adaboost",
    spaces={"classification": SearchSpace("adaboost", "classification", _PARAMS, version="1")},
    make_model=_make_model,
    preprocessing="ordinal",
)
