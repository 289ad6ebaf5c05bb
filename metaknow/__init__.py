"""metaknow: warm-start hyperparameter tuning from prior evaluations on similar datasets."""

from metaknow.dataset import Dataset, load_dataset
from metaknow.exceptions import MetaknowError
from metaknow.recommend import Recommendation, recommend

__all__ = ["Dataset", "load_dataset", "MetaknowError", "recommend", "Recommendation", "__version__"]
__version__ = "0.1.0"
