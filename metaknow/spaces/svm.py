"""Support vector machines (scikit-learn SVC / SVR) with conditional kernel parameters."""

from __future__ import annotations

from typing import Any

from metaknow.space import Categorical, Condition, Float, Hyperparameter, Integer, SearchSpace
from metaknow.spaces.algorithm import Algorithm


def _params(task: str) -> tuple[Hyperparameter, ...]:
    # Ranges after auto-sklearn's libsvm_svc space; defaults are scikit-learn's.
    params: list[Hyperparameter] = [
        Float("C", 2.0 ** -5, 2.0 ** 15, default=1.0, log=True),
        Categorical("kernel", ("rbf", "poly", "sigmoid", "linear"), default="rbf"),
        # gamma: "scale" (the default, 1 / (n_features * X.var())) or an explicit value.
        Categorical("gamma_kind", ("scale", "value"), default="scale",
                    condition=Condition("kernel", ("rbf", "poly", "sigmoid"))),
        Float("gamma", 2.0 ** -15, 8.0, default=0.1, log=True,
              condition=Condition("gamma_kind", ("value",))),
        Integer("degree", 2, 5, default=3, condition=Condition("kernel", ("poly",))),
        Float("coef0", -1.0, 1.0, default=0.0, condition=Condition("kernel", ("poly", "sigmoid"))),
    ]
    if task == "regression":
        params.append(Float("epsilon", 1e-3, 1.0, default=0.1, log=True))
    return tuple(params)


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.svm import SVC, SVR

    kw = dict(config)
    if kw.pop("gamma_kind", None) == "scale":
        kw["gamma"] = "scale"
    if task == "classification":
        # SVC has no predict_proba by default: ROC AUC uses decision scores, no log loss.
        return SVC(**kw, random_state=seed)
    return SVR(**kw)


ALGORITHM = Algorithm(
    name="svm",
    spaces={task: SearchSpace("svm", task, _params(task), version="1")
            for task in ("classification", "regression")},
    make_model=_make_model,
    preprocessing="onehot_scaled",
)
