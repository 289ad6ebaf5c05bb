"""metaknow's SMAC-style Bayesian optimisation loop, one part per module.

``history`` (run history), ``initial_design``, ``surrogate`` (random forest),
``rolling_forest`` (the forest the loop keeps, its trees regrown in turns),
``acquisition`` (EI, log-EI), ``maximizer`` (local + random search, random interleaving),
``intensifier`` (fold racing), ``runner`` (trial execution, time limits, parallelism),
``priors`` (related tasks' evaluations for the surrogate) and ``optimizer`` (ask / tell /
optimize). ``metaknow.tune`` and ``metaknow.MetaSearchCV`` are the entry points built on it.
"""

from metaknow.bo.history import RunHistory, Trial
from metaknow.bo.optimizer import OptimizeResult, Optimizer, TrialInfo
from metaknow.bo.runner import Evaluation
from metaknow.bo.surrogate import PriorObservations

__all__ = ["Optimizer", "TrialInfo", "OptimizeResult", "RunHistory", "Trial", "Evaluation",
           "PriorObservations"]
