"""How closely metaknow reproduces OpenML's published data qualities.

Rerunnable report::

    python -m metafeatures.openml_agreement [--shared ../shared] [--details]

It matches the corpus datasets (``shared/data/corpus``) to the OpenML100 tasks whose
qualities are in ``shared/data/openml/openml100-flows/task_qualities.json.gz`` by name
and shape (:data:`MATCHES`), extracts the deterministic groups, and prints per OpenML
quality the number of matched datasets, the largest relative error and whether every
difference beyond 1e-6 is explained by a documented reason (:data:`KNOWN_DIFFERENCES`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from metaknow.dataset import Dataset

__all__ = ["MATCHES", "KNOWN_DIFFERENCES", "Comparison", "compare", "agreement_table",
           "default_shared", "main"]

TOLERANCE = 1e-6

@dataclass(frozen=True)
class KnownDifference:
    """A documented reason why metaknow's value differs from OpenML's published one.

    ``tasks`` limits it to some tasks (None: any task). ``check(ours, theirs)``, when
    given, must hold for the explanation to apply (e.g. "published as a fraction").
    """

    reason: str
    tasks: frozenset[str] | None = None
    check: Callable[[float, float, "pd.Series"], bool] | None = None

    def explains(self, task: str, ours: float, theirs: float, series: "pd.Series") -> bool:
        if self.tasks is not None and task not in self.tasks:
            return False
        return self.check is None or bool(self.check(ours, theirs, series))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=1e-12)


@dataclass(frozen=True)
class Match:
    """A corpus dataset that is an OpenML100 task's dataset (same name and shape).

    ``target``: OpenML's target when it is not the corpus file's last attribute.
    ``variants``: other ways OpenML's engine saw the data for some qualities, each a key
    of :data:`VARIANTS`; a difference is explained when a variant reproduces OpenML's
    value exactly (so every such explanation is checked, not just asserted).
    """

    dataset: str
    target: str | None = None
    variants: tuple[str, ...] = ()


#: OpenML100 task id -> matched corpus dataset. Matched by name, then checked by shape:
#: NumberOfInstances, NumberOfFeatures, NumberOfClasses and NumberOfMissingValues equal.
_OLD = ("target-as-attribute",)  # tasks characterised by OpenML's older engine
MATCHES: dict[str, Match] = {
    "3": Match("kr.vs.kp", variants=_OLD), "6": Match("letter", variants=_OLD),
    "11": Match("balance.scale", variants=_OLD),
    "21": Match("car"), "23": Match("cmc"), "24": Match("mushroom"), "28": Match("optdigits"),
    "29": Match("credit.a"), "31": Match("credit.g"), "32": Match("pendigits"),
    "36": Match("segment"), "37": Match("diabetes"), "41": Match("soybean"),
    "43": Match("spambase"), "45": Match("splice", variants=("drop:Instance_name",)),
    "49": Match("tic-tac-toe"), "53": Match("vehicle"), "58": Match("waveform5000"),
    "3021": Match("sick"),
    "3543": Match("irish", target="Leaving_Certificate", variants=("last-attribute-as-class",)),
    "3549": Match("analcatdata_authorship"), "3560": Match("analcatdata_dmft"),
    "3561": Match("profb", target="Home/Away", variants=("last-attribute-as-class",)),
    "3567": Match("collins", variants=("drop:Counter", "drop:Counter,Text")),
    "14967": Match("cjs", target="TR", variants=("drop:N", "last-attribute-as-class")),
    "14968": Match("cylinder.bands", variants=("drop:timestamp,cylinder_number",)),
}

#: variant -> what it means (the reason printed for a difference it explains).
VARIANT_REASONS = {
    "drop": "OpenML leaves out {cols} here (ignore/row-id attribute, or a string attribute "
            "in its copy); without it metaknow's value is equal",
    "target-as-attribute": "OpenML's older engine (tasks without DefaultAccuracy) counted the "
                           "target among the nominal attributes; counting it, metaknow's value is equal",
    "last-attribute-as-class": "OpenML computed this quality with the file's last attribute as "
                               "the class, not the task target; so computed, metaknow's value is equal",
}


_OLD_ENGINE = frozenset({"3", "6", "11"})  # characterised by OpenML's older engine (no DefaultAccuracy)
_NEW_ENGINE = frozenset(MATCHES) - _OLD_ENGINE

_AS_FRACTION = KnownDifference(
    "OpenML's older engine published this percentage as a fraction; checked: OpenML's value "
    "equals metaknow's / 100", _OLD_ENGINE, lambda a, b, s: _close(a / 100.0, b))
_OLD_DISTINCT = {
    stat: KnownDifference(
        "OpenML's older engine counted the distinct values that occur, target included; "
        f"checked: equal to metaknow's {card}, which counts them so",
        _OLD_ENGINE, lambda a, b, s, card=card: _close(float(s[card]), b))
    for stat, card in (("Mean", "MeanCardinalityOfNominalAttributes"),
                       ("Stdv", "StdevCardinalityOfNominalAttributes"),
                       ("Min", "MinCardinalityOfNominalAttributes"),
                       ("Max", "MaxCardinalityOfNominalAttributes"))}
_NO_NUMERIC = KnownDifference(
    "no numeric attribute: metaknow returns NaN (undefined), OpenML's newer engine stored 0",
    _NEW_ENGINE, lambda a, b, s: math.isnan(a) and b == 0.0)
_POOLED = KnownDifference(
    "OpenML's newer engine run pooled per-attribute statistics across the datasets it "
    "processed (e.g. task 53 vehicle's MinMeansOfNumericAtts is spambase's smallest attribute "
    "mean) and its skewness/kurtosis match no standard estimator; OpenML's older engine "
    "(letter, balance-scale) agrees with metaknow exactly", _NEW_ENGINE)

#: quality -> documented reasons for differences (see docs/metafeatures.md).
KNOWN_DIFFERENCES: dict[str, list[KnownDifference]] = {
    "MajorityClassPercentage": [_AS_FRACTION], "PercentageOfBinaryFeatures": [_AS_FRACTION],
    "PercentageOfNumericFeatures": [_AS_FRACTION], "PercentageOfSymbolicFeatures": [_AS_FRACTION],
    **{f"{stat}NominalAttDistinctValues": [diff] for stat, diff in _OLD_DISTINCT.items()},
    **{f"{stat}{cat}OfNumericAtts": [_NO_NUMERIC, _POOLED]
       for stat in ("Min", "Max", "Mean", "Quartile1", "Quartile2", "Quartile3")
       for cat in ("Means", "StdDev", "Skewness", "Kurtosis")},
}



def _variant(dataset: "Dataset", frame_last: str, kind: str) -> "Dataset":
    """The dataset as OpenML's engine saw it under ``kind`` (see VARIANT_REASONS)."""
    import pandas as pd

    from metaknow.dataset import Dataset

    X, y = dataset.X, dataset.y
    if kind.startswith("drop:"):
        X = X.drop(columns=kind[5:].split(","))
    elif kind == "target-as-attribute":
        X = X.assign(**{f"__target__{dataset.target}": y})
    elif kind == "last-attribute-as-class":
        X = X.drop(columns=[frame_last]).assign(**{f"__target__{dataset.target}": y})
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    return Dataset(X.reset_index(drop=True), y, dataset.task, dataset.name, dataset.target,
                   [], None if dataset.X_unlabelled is None else
                   pd.DataFrame(columns=X.columns).astype(X.dtypes))


def default_shared() -> Path:
    """``../shared`` beside the checkout."""
    return Path(__file__).resolve().parents[1] / ".." / "shared"


def load_qualities(shared: Path) -> dict[str, dict[str, float]]:
    path = shared / "data" / "openml" / "openml100-flows" / "task_qualities.json.gz"
    with gzip.open(path, "rt") as fh:
        return json.load(fh)


@dataclass(frozen=True)
class Comparison:
    """One (task, quality) pair: our value, OpenML's, and the verdict."""

    task: str
    dataset: str
    quality: str
    ours: float
    theirs: float
    rel_error: float
    status: str  # "equal" | "explained" | "differs" | "both-undefined" | "undefined"
    reason: str = ""


def _rel_error(a: float, b: float) -> float:
    if math.isnan(a) and math.isnan(b):
        return 0.0
    if math.isnan(a) or math.isnan(b):
        return math.inf
    if abs(a - b) <= 1e-12:  # round-off around zero (e.g. skewness 1e-17 vs 0)
        return 0.0
    return abs(a - b) / abs(b) if b != 0 else math.inf


def compare(shared: Path | None = None, tasks: list[str] | None = None,
            openml_engine: str = "2018") -> list[Comparison]:
    """Compare every OpenML quality we define on every matched task.

    ``openml_engine`` selects the definitions metaknow computes: "2018" (default; the
    export was made by the 2018 engine) or "today" (OpenML's current definitions).
    """
    from metafeatures import all_groups, extract_dataset
    from metaknow.dataset import load_dataset

    shared = shared or default_shared()
    qualities = load_qualities(shared)
    openml_names = set().union(*(g.openml for g in all_groups() if not g.expensive))
    groups = [g.name for g in all_groups() if not g.expensive]
    rows: list[Comparison] = []
    for task, match in MATCHES.items():
        if tasks is not None and task not in tasks:
            continue
        path = shared / "data" / "corpus" / f"{match.dataset}.arff.gz"
        dataset = load_dataset(path, target=match.target, task="classification")
        ours = extract_dataset(dataset, groups=groups, openml_engine=openml_engine)
        last = _last_attribute(path)
        variants = [(kind, extract_dataset(_variant(dataset, last, kind), groups=groups,
                                                   openml_engine=openml_engine))
                    for kind in match.variants]
        theirs = qualities[task]
        for quality in sorted(openml_names & set(theirs)):
            a = float(ours[quality])
            b = math.nan if theirs[quality] is None else float(theirs[quality])
            if b == -1.0 and math.isnan(a):
                b = math.nan  # OpenML's engine wrote -1 for "undefined" at the time
            err = _rel_error(a, b)
            if math.isnan(a) and math.isnan(b):
                status, reason = "both-undefined", ""
            elif err <= TOLERANCE:
                status, reason = "equal", ""
            else:
                status, reason = "differs", ""
                for kind, values in variants:
                    if _rel_error(float(values[quality]), b) <= TOLERANCE:
                        status = "explained"
                        reason = VARIANT_REASONS[kind.split(":")[0]].format(
                            cols=kind[5:].replace(",", ", "))
                        break
                if status == "differs":
                    known = [k for k in KNOWN_DIFFERENCES.get(quality, [])
                             if k.explains(task, a, b, ours)]
                    if known:
                        status, reason = "explained", known[0].reason
            rows.append(Comparison(task, match.dataset, quality, a, b, err, status, reason))
    return rows


def _last_attribute(path: Path) -> str:
    from metaknow.io.arff import read_arff

    return str(read_arff(path)[1][-1].name)


def agreement_table(rows: list[Comparison]) -> list[dict[str, object]]:
    """Per quality: matched datasets, equal ones, largest relative error, pass/fail."""
    out = []
    for quality in sorted({r.quality for r in rows}):
        mine = [r for r in rows if r.quality == quality]
        defined = [r for r in mine if r.status != "both-undefined"]
        equal = [r for r in defined if r.status == "equal"]
        errors = [r.rel_error for r in defined]
        out.append({
            "quality": quality, "matched": len(defined), "equal": len(equal),
            "explained": sum(r.status == "explained" for r in defined),
            "max_rel_error": max(errors) if errors else 0.0,
            "passed": all(r.status in ("equal", "explained") for r in defined),
        })
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metafeatures.openml_agreement",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--details", action="store_true", help="list every differing value")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--openml-engine", choices=("2018", "today"), default="2018",
                        help="definitions metaknow computes (the export is the 2018 engine's)")
    args = parser.parse_args(argv)
    if not (args.shared / "data" / "corpus").is_dir():
        print(f"error: no corpus under {args.shared}; pass --shared PATH", file=sys.stderr)
        return 2
    import warnings

    warnings.simplefilter("ignore")
    rows = compare(args.shared, openml_engine=args.openml_engine)
    table = agreement_table(rows)
    if args.markdown:
        print("| OpenML quality | datasets | equal (1e-6) | explained | max rel. error | pass |")
        print("|---|---:|---:|---:|---:|:---:|")
        for t in table:
            print(f"| {t['quality']} | {t['matched']} | {t['equal']} | {t['explained']} | "
                  f"{t['max_rel_error']:.3g} | {'yes' if t['passed'] else 'NO'} |")
    else:
        print(f"{'quality':42s} {'n':>3s} {'equal':>5s} {'expl':>4s} {'max rel err':>12s}  pass")
        for t in table:
            print(f"{t['quality']:42s} {t['matched']:3d} {t['equal']:5d} {t['explained']:4d} "
                  f"{t['max_rel_error']:12.3g}  {'yes' if t['passed'] else 'NO'}")
    n_pass = sum(bool(t["passed"]) for t in table)
    print(f"\n{n_pass}/{len(table)} qualities agree or differ for a documented reason "
          f"on {len(MATCHES)} matched OpenML100 tasks")
    if args.details:
        for r in rows:
            if r.status in ("differs", "explained"):
                print(f"{r.status:9s} {r.task:>6s} {r.dataset:24s} {r.quality:40s} "
                      f"ours={r.ours:.10g} openml={r.theirs:.10g} {r.reason}")
    return 0 if n_pass == len(table) else 1


if __name__ == "__main__":
    sys.exit(main())
