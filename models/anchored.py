"""A classifier that starts from given probabilities and learns only corrections.

:class:`AnchoredLogit` is a conditional logit whose offset is the log of an
anchor distribution (here: the bookmaker's margin-free probabilities),

    z_k = log a_k + w . X_k,        p = softmax(z),

so with every weight at zero it predicts the anchor itself. ``X_k`` holds the
covariates of class ``k``: a bias per class, a temperature column ``log a_k``
(the favourite-longshot bias), and every feature named ``"<name>@<label>"``
in ``x`` (for example ``"elo@0"``: the rating difference, seen from the home
side). The weights are filtered online, one Newton step on the Laplace
posterior per example (Bayesian logistic regression in the style of
Spiegelhalter & Lauritzen's sequential updating):

    A <- A + sum_k p_k X_k X_k^T - m m^T,   m = sum_k p_k X_k
    w <- w - A^{-1} sum_k (p_k - y_k) X_k

from a prior ``w ~ N(0, prior_variance * I)`` that says "the anchor is right":
a small variance keeps the corrections small until the data insist.

>>> model = AnchoredLogit(classes=(0, 1, 2))
>>> x = {"market@0": 0.5, "market@1": 0.3, "market@2": 0.2, "elo@0": 0.4, "elo@2": -0.4}
>>> model.predict_proba_one(x) == {0: 0.5, 1: 0.3, 2: 0.2}
True
>>> for _ in range(50):
...     model.learn_one(x, 0)
>>> round(model.predict_proba_one(x)[0], 4) > 0.5
True
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from functools import lru_cache

import numpy as np
from river import base

_FLOOR = 1e-12  # an anchor of 0 would be log(0)


@lru_cache(maxsize=4096)
def _split(key: str) -> tuple[str, str] | None:
    """``"elo@0"`` -> ``("elo", "0")``; None for a plain feature (parsed once)."""
    name, at, label = key.rpartition("@")
    return (name, label) if at and name else None


class AnchoredLogit(base.Classifier):
    """Conditional logit anchored on given class probabilities.

    Parameters
    ----------
    anchor
        Prefix of the anchor features: class ``k``'s anchor probability is
        ``x[f"{anchor}@{k}"]``. A class without one gets an equal share.
    prior_variance
        Variance of the Gaussian prior on every weight (0.003: the market is
        right until thousands of matches say otherwise).
    classes
        The labels, when known up front (so the first prediction is the
        anchor); otherwise they are learned as they are seen.
    baseline
        A class that gets no bias column (the biases are relative to it).

    """

    def __init__(
        self,
        anchor: str = "market",
        prior_variance: float = 0.003,
        classes: tuple | None = None,
        baseline: Hashable | None = None,
    ) -> None:
        self.anchor = anchor
        self.prior_variance = prior_variance
        self.classes = classes
        self.baseline = baseline
        self._labels: list = list(classes) if classes else []
        self._names: list[str] = []  # covariate of each weight, in order of appearance
        self._w = np.zeros(0)
        self._precision = np.zeros((0, 0))

    @property
    def _multiclass(self) -> bool:
        return True

    @property
    def weights(self) -> dict[str, float]:
        """The learned corrections by covariate name (all 0.0: the anchor)."""
        return dict(zip(self._names, self._w.tolist()))

    # -- design ---------------------------------------------------------------------
    def _anchors(self, x: dict) -> list[float]:
        share = 1.0 / len(self._labels)
        values = [x.get(f"{self.anchor}@{label}", share) for label in self._labels]
        return [max(float(v), _FLOOR) for v in values]

    def _covariates(self, x: dict, anchors: list[float]) -> list[dict[str, float]]:
        rows = []
        for label, anchor in zip(self._labels, anchors):
            row = {"temperature": math.log(anchor)}
            if label != self.baseline:
                row[f"bias@{label}"] = 1.0
            rows.append(row)
        position = {str(label): i for i, label in enumerate(self._labels)}
        for key, value in x.items():
            parts = _split(key) if isinstance(key, str) else None
            if parts is None or parts[0] == self.anchor:
                continue
            index = position.get(parts[1])
            if index is not None:
                rows[index][parts[0]] = float(value)
        return rows

    def _grow(self, rows: list[dict[str, float]]) -> None:
        """Give covariates seen for the first time a weight, at the prior."""
        known = set(self._names)
        new = sorted({name for row in rows for name in row} - known)
        if not new:
            return
        size = len(self._names) + len(new)
        precision = np.eye(size) / self.prior_variance
        precision[: len(self._names), : len(self._names)] = self._precision
        self._precision = precision
        self._w = np.concatenate([self._w, np.zeros(len(new))])
        self._names += new

    def _matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        index = {name: i for i, name in enumerate(self._names)}
        design = np.zeros((len(rows), len(self._names)))
        for k, row in enumerate(rows):
            for name, value in row.items():
                if name in index:
                    design[k, index[name]] = value
        return design

    def _probabilities(self, anchors: list[float], design: np.ndarray) -> np.ndarray:
        logits = np.log(anchors) + design @ self._w
        logits -= logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    # -- River's API ----------------------------------------------------------------
    def predict_proba_one(self, x: dict, **kwargs: object) -> dict:
        if not self._labels:
            return {}
        anchors = self._anchors(x)
        if not self._w.any():  # no correction learned: the anchor, exactly
            total = math.fsum(anchors)
            return {
                label: a / total if abs(total - 1.0) > 1e-12 else a
                for label, a in zip(self._labels, anchors)
            }
        proba = self._probabilities(anchors, self._matrix(self._covariates(x, anchors)))
        return dict(zip(self._labels, proba.tolist()))

    def learn_one(self, x: dict, y: Hashable, w: float = 1.0) -> None:
        """One filtering step; ``w`` weighs the example (a bet half pushed
        is half an observation)."""
        if w <= 0:
            return
        if y not in self._labels:
            self._labels.append(y)
        anchors = self._anchors(x)
        rows = self._covariates(x, anchors)
        self._grow(rows)
        design = self._matrix(rows)
        proba = self._probabilities(anchors, design)
        target = np.array([1.0 if label == y else 0.0 for label in self._labels])
        mean = proba @ design
        self._precision += w * ((design.T * proba) @ design - np.outer(mean, mean))
        gradient = w * ((proba - target) @ design)
        self._w -= np.linalg.solve(self._precision, gradient)

    @classmethod
    def _unit_test_params(cls):
        yield {}
        yield {"prior_variance": 1.0, "classes": (0, 1, 2), "baseline": 2}
