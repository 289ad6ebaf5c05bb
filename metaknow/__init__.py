"""metaknow: warm-start hyperparameter tuning from prior evaluations on similar datasets."""

from metaknow.dataset import Dataset, load_dataset
from metaknow.exceptions import MetaknowError

__all__ = ["Dataset", "load_dataset", "MetaknowError", "__version__"]
__version__ = "0.1.0"
