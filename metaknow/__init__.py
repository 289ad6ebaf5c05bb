"""metaknow: warm-start hyperparameter tuning from prior evaluations on similar datasets.

The public names are imported on first use (PEP 562 module ``__getattr__``), so
``import metaknow`` and ``metaknow --help`` stay fast: the heavy dependencies
(scikit-learn, scipy.stats, pandas, LightGBM) load only with the part that needs them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_LAZY: dict[str, str] = {
    "Dataset": "metaknow.dataset",
    "load_dataset": "metaknow.dataset",
    "MetaknowError": "metaknow.exceptions",
    "recommend": "metaknow.recommend",
    "Recommendation": "metaknow.recommend",
    "tune": "metaknow.tune",
    "TuneResult": "metaknow.tune",
    "MetaSearchCV": "metaknow.search_cv",
    "Optimizer": "metaknow.bo.optimizer",
    "LGBMClassifier": "metaknow.estimators",
    "LGBMRegressor": "metaknow.estimators",
    "RandomForestClassifier": "metaknow.estimators",
    "ExtraTreesClassifier": "metaknow.estimators",
    "HistGradientBoostingClassifier": "metaknow.estimators",
    "SVC": "metaknow.estimators",
    "LogisticRegression": "metaknow.estimators",
    "KNeighborsClassifier": "metaknow.estimators",
}

__all__ = ["Dataset", "load_dataset", "MetaknowError", "recommend", "Recommendation",
           "tune", "TuneResult", "MetaSearchCV", "Optimizer", "__version__",
           "LGBMClassifier", "LGBMRegressor", "RandomForestClassifier", "ExtraTreesClassifier",
           "HistGradientBoostingClassifier", "SVC", "LogisticRegression", "KNeighborsClassifier"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from metaknow.bo.optimizer import Optimizer
    from metaknow.dataset import Dataset, load_dataset
    from metaknow.estimators import (ExtraTreesClassifier, HistGradientBoostingClassifier,
                                     KNeighborsClassifier, LGBMClassifier, LGBMRegressor,
                                     LogisticRegression, RandomForestClassifier, SVC)
    from metaknow.exceptions import MetaknowError
    from metaknow.recommend import Recommendation, recommend
    from metaknow.search_cv import MetaSearchCV
    from metaknow.tune import TuneResult, tune


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'metaknow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keeps ``metaknow.tune`` / ``metaknow.recommend`` the functions, not their modules.

    Importing a submodule binds it as an attribute of its package; two public functions
    share their module's name, so that binding is redirected to the function.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
