"""The tuners of the race: adding one = one module with one class + one line here."""

from __future__ import annotations

from metaknow.benchmarking.race.peers.base import RaceContext, Tuner
from metaknow.benchmarking.race.peers.flaml_automl import FlamlAutoML
from metaknow.benchmarking.race.peers.lightgbm_default import LightGBMDefault
from metaknow.benchmarking.race.peers.metaknow_tune import MetaknowFirst, MetaknowTune
from metaknow.benchmarking.race.peers.optuna_hyperband import OptunaHyperband
from metaknow.benchmarking.race.peers.random_search import RandomSearch
from metaknow.benchmarking.race.peers.smac_multifidelity import SmacMultiFidelity

__all__ = ["TUNERS", "RaceContext", "Tuner"]

TUNERS: dict[str, type] = {t.name: t for t in (
    LightGBMDefault, MetaknowFirst, MetaknowTune, FlamlAutoML, OptunaHyperband,
    SmacMultiFidelity, RandomSearch)}
