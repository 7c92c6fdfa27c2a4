"""Train, cross-validate and apply the learned model: P(an analyst accepts the item as evidence).

Per complete commitment: a logistic regression (fitted by SGD) on the features of
triage.classify.learned.features, calibrated by Platt scaling inside cross-validation
(sklearn's CalibratedClassifierCV), so that a probability of 0.7 means about seven in ten
such items were accepted; and per dimension, the probability of that dimension given that
the item is evidence. Figures come from held-out folds (stratified k-fold): precision,
recall and F1 at the rescue threshold, ROC AUC, Brier score and the expected calibration
error (ECE: the gap between predicted probability and observed share of evidence, averaged
over ten probability bins weighted by their size), with the reliability table itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from triage.classify.base import ItemInput
from triage.classify.learned.features import Featurizer, feature_names
from triage.classify.rules.load import RuleSet
from triage.errors import InputError, Problem

FOLDS = 5
BINS = 10
MIN_DIMENSION = 3  # labels of each class a dimension needs for its own model


@dataclass
class Example:
    """One label: is this item evidence for this commitment (and in which dimensions)?"""

    item: ItemInput
    commitment: int
    relevant: bool
    dimensions: frozenset[str] | None = None  # labeled dimensions of an evidence item
    not_dimensions: frozenset[str] = frozenset()  # dimensions an analyst said were wrong
    source: str = ""  # "decision:<id>" or "<file>:<line>"


@dataclass
class CommitmentModel:
    number: int
    names: list[str]  # dense feature names, in column order
    relevance: Any
    dimensions: dict[str, Any] = field(default_factory=dict)


@dataclass
class LearnedModel:
    catalogue_id: str
    rules_version: str
    commitments: dict[int, CommitmentModel]
    version: int = 0  # set when stored
    metrics: dict = field(default_factory=dict)

    @property
    def agent(self) -> str:
        return f"learned:{self.catalogue_id}@v{self.version}"

    def score(self, featurizer: Featurizer, item: ItemInput, numbers: Sequence[int] | None = None) -> dict[str, float]:
        """{"19": P(evidence), "19:prevent": P(prevent | evidence), ...} for the commitments asked."""
        out: dict[str, float] = {}
        for number, cm in self.commitments.items():
            if (numbers is not None and number not in numbers) or number not in featurizer.ruleset.commitments:
                continue
            x = featurizer.matrix([item], number, cm.names)
            out[str(number)] = float(cm.relevance.predict_proba(x)[0, 1])
            for dim, clf in cm.dimensions.items():
                out[f"{number}:{dim}"] = float(clf.predict_proba(x)[0, 1])
        return out


def _base() -> SGDClassifier:
    # Logistic loss fitted by SGD: the same model as LogisticRegression, but fast on 2^18 sparse
    # columns (a second for 10,000 items where lbfgs or liblinear take many). Balanced weights:
    # the queue holds far more misses than evidence; calibration undoes the skew.
    return SGDClassifier(loss="log_loss", alpha=1e-4, class_weight="balanced", max_iter=30, tol=1e-3, random_state=0)


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = BINS) -> tuple[float, list[dict]]:
    """Expected calibration error and the reliability table (predicted vs observed per bin)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    table, ece = [], 0.0
    for i in range(bins):
        lo, hi = edges[i], edges[i + 1]
        mask = (p >= lo) & ((p < hi) if i < bins - 1 else (p <= hi))
        n = int(mask.sum())
        if not n:
            continue
        predicted, observed = float(p[mask].mean()), float(y[mask].mean())
        ece += n / len(y) * abs(predicted - observed)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": n, "predicted": round(predicted, 4), "observed": round(observed, 4)})
    return round(ece, 4), table


def _figures(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    pred = p >= threshold
    tp, fp, fn = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ece, table = calibration_table(y, p)
    return {
        "n": len(y),
        "positive": int(y.sum()),
        "threshold": threshold,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "roc_auc": round(float(roc_auc_score(y, p)), 4) if 0 < y.sum() < len(y) else None,
        "brier": round(float(brier_score_loss(y, p)), 4),
        "ece": ece,
        "reliability": table,
    }


def check_counts(examples: Sequence[Example], numbers: Sequence[int], min_per_class: int) -> None:
    """Refuse to train on too few labels, saying how many more of each class are needed."""
    problems = []
    for number in numbers:
        pos = sum(1 for e in examples if e.commitment == number and e.relevant)
        neg = sum(1 for e in examples if e.commitment == number and not e.relevant)
        if pos < min_per_class or neg < min_per_class:
            need = []
            if pos < min_per_class:
                need.append(f"{min_per_class - pos} more evidence label(s)")
            if neg < min_per_class:
                need.append(f"{min_per_class - neg} more not-evidence label(s)")
            problems.append(
                Problem(
                    f"commitment {number}: {pos} evidence and {neg} not-evidence labels; at least {min_per_class} of each are needed: {' and '.join(need)}"
                )
            )
    if problems:
        raise InputError(problems)


def train(
    examples: Sequence[Example], ruleset: RuleSet, *, min_per_class: int, threshold: float, featurizer: Featurizer | None = None
) -> LearnedModel:
    """Cross-validate, then fit on everything. Raises InputError when the labels are too few."""
    numbers = sorted({e.commitment for e in examples if e.commitment in ruleset.commitments})
    if not numbers:
        raise InputError("no labels for any commitment the rules know")
    check_counts(examples, numbers, min_per_class)
    with warnings.catch_warnings():
        # A capped number of SGD epochs is deliberate (speed); the fit is checked on held-out folds.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _train(examples, ruleset, numbers, threshold, featurizer or Featurizer(ruleset))


def _train(examples: Sequence[Example], ruleset: RuleSet, numbers: list[int], threshold: float, featurizer: Featurizer) -> LearnedModel:
    model = LearnedModel(ruleset.catalogue.id, ruleset.version, {})
    metrics: dict[str, Any] = {"commitments": {}}
    for number in numbers:
        rows = [e for e in examples if e.commitment == number]
        names = feature_names(ruleset, number)
        x = featurizer.matrix([e.item for e in rows], number, names)
        y = np.array([int(e.relevant) for e in rows])
        folds = min(FOLDS, int(y.sum()), int(len(y) - y.sum()))
        calibrated = CalibratedClassifierCV(_base(), method="sigmoid", cv=max(2, min(3, folds)), ensemble=False)
        held_out = cross_val_predict(clone(calibrated), x, y, cv=StratifiedKFold(folds, shuffle=True, random_state=0), method="predict_proba")[:, 1]
        figures = _figures(y, held_out, threshold)
        relevance = calibrated.fit(x, y)
        cm = CommitmentModel(number, names, relevance)
        dim_figures: dict[str, dict[str, Any]] = {}
        for dim in ruleset.commitments[number].dimensions:
            labels = [(i, dim in e.dimensions) for i, e in enumerate(rows) if e.relevant and e.dimensions]
            labels += [(i, False) for i, e in enumerate(rows) if e.relevant and dim in e.not_dimensions and not e.dimensions]
            yd = np.array([int(v) for _, v in labels])
            if yd.sum() < MIN_DIMENSION or len(yd) - yd.sum() < MIN_DIMENSION:
                dim_figures[dim] = {"n": len(yd), "positive": int(yd.sum()), "model": None}
                continue
            xd = x[[i for i, _ in labels]]
            cm.dimensions[dim] = CalibratedClassifierCV(
                _base(), method="sigmoid", cv=min(3, int(yd.sum()), int(len(yd) - yd.sum())), ensemble=False
            ).fit(xd, yd)
            dim_figures[dim] = {"n": len(yd), "positive": int(yd.sum()), "model": "logistic"}
        model.commitments[number] = cm
        metrics["commitments"][str(number)] = {"relevance": figures, "dimensions": dim_figures}
    model.metrics = metrics
    return model
