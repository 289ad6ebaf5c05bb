"""metaknow: warm-start hyperparameter tuning from prior evaluations on similar datasets."""

from metaknow.dataset import Dataset, load_dataset
from metaknow.exceptions import MetaknowError
from metaknow.recommend import Recommendation, recommend
from metaknow.bo.optimizer import Optimizer
from metaknow.search_cv import MetaSearchCV
from metaknow.tune import TuneResult, tune

__all__ = ["Dataset", "load_dataset", "MetaknowError", "recommend", "Recommendation",
           "tune", "TuneResult", "MetaSearchCV", "Optimizer", "__version__"]
__version__ = "0.1.0"
