"""Fair probabilities: a bookmaker's prices with the margin taken out.

A book's inverse prices ``pi_i = 1 / o_i`` sum to more than one; the excess is
its margin. How it is removed matters for longshots:

* ``multiplicative`` scales every ``pi_i`` by the same factor. It leaves the
  favourite-longshot bias in: longshots keep too much probability.
* ``shin`` (Shin 1993; Štrumbelj 2014 for football) models a share ``z`` of
  insiders the book defends against, which it prices into longshots most:
  ``p_i = (sqrt(z² + 4(1 - z) pi_i² / S) - z) / (2(1 - z))``, ``S = sum pi``,
  with ``z`` such that the ``p_i`` sum to one.
* ``power`` raises every ``pi_i`` to the power ``k`` with ``sum pi_i^k = 1``.

Shin's is the default: on this project's stored best-price bets it halves the
"fair" closing-line value the multiplicative method claimed (NOTES.md, "Fair
probabilities"), and its market probabilities score a better RPS in three
of four leagues. The values below match penaltyblog 1.13.1's
``calculate_implied`` to six decimals.

>>> [round(p, 6) for p in fair_probabilities((2.0, 3.5, 4.0), "shin")]
[0.486734, 0.274328, 0.238938]
>>> [round(p, 6) for p in fair_probabilities((2.0, 3.5, 4.0), "power")]
[0.488139, 0.273582, 0.238279]
>>> [round(p, 6) for p in fair_probabilities((2.0, 3.5, 4.0), "multiplicative")]
[0.482759, 0.275862, 0.241379]
>>> [round(p, 6) for p in fair_probabilities((1.5, 2.6))]  # two-way markets too
[0.641026, 0.358974]

A book without a margin (inverse prices summing to one or less, as best
prices gathered from several books can) has nothing to remove by Shin's
model; it is normalised multiplicatively.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal

FairMethod = Literal["shin", "power", "multiplicative"]
FAIR_METHODS: tuple[FairMethod, ...] = ("shin", "power", "multiplicative")
DEFAULT_METHOD: FairMethod = "shin"
_TOLERANCE = 1e-13


def fair_probabilities(
    odds: Sequence[float], method: FairMethod = DEFAULT_METHOD
) -> tuple[float, ...]:
    """Margin-free probabilities of decimal ``odds`` (each > 1), by ``method``."""
    if method not in _SOLVERS:
        raise ValueError(f"method must be one of {', '.join(FAIR_METHODS)}, not {method!r}")
    return _cached(tuple(float(o) for o in odds), method)


@lru_cache(maxsize=8192)  # a reference quote is priced, learned from and settled against
def _cached(odds: tuple[float, ...], method: FairMethod) -> tuple[float, ...]:
    inverse = [1.0 / o for o in odds]
    if math.fsum(inverse) <= 1.0:
        return multiplicative(inverse)
    return _SOLVERS[method](inverse)


def multiplicative(inverse: Sequence[float]) -> tuple[float, ...]:
    """Inverse prices scaled to sum to one.

    >>> multiplicative([0.5, 0.25, 0.3])
    (0.47619047619047616, 0.23809523809523808, 0.2857142857142857)
    """
    total = math.fsum(inverse)
    return tuple(p / total for p in inverse)


def shin(inverse: Sequence[float]) -> tuple[float, ...]:
    """Shin's probabilities of inverse prices that sum to more than one.

    >>> [round(p, 6) for p in shin([1 / 1.08, 1 / 8.0])]
    [0.900463, 0.099537]
    """
    total = math.fsum(inverse)
    c = [4.0 * p * p / total for p in inverse]

    def excess(z: float) -> tuple[float, float]:
        """Sum of the p_i minus one, and its derivative in z."""
        value = slope = 0.0
        for ci in c:
            root = math.sqrt(z * z + ci * (1.0 - z))
            value += (root - z) / (2.0 * (1.0 - z))
            d_root = (2.0 * z - ci) / (2.0 * root)
            slope += ((d_root - 1.0) * (1.0 - z) + (root - z)) / (2.0 * (1.0 - z) ** 2)
        return value - 1.0, slope

    z = _root(excess, 0.0, 0.0, 0.999)
    probs = [(math.sqrt(z * z + ci * (1.0 - z)) - z) / (2.0 * (1.0 - z)) for ci in c]
    return multiplicative(probs)  # exact sum; the root leaves ~1e-13


def power(inverse: Sequence[float]) -> tuple[float, ...]:
    """Inverse prices raised to the power that makes them sum to one.

    >>> [round(p, 6) for p in power([1 / 1.9, 1 / 1.95])]
    [0.506874, 0.493126]
    """
    logs = [math.log(p) for p in inverse]

    def excess(k: float) -> tuple[float, float]:
        terms = [math.exp(k * lp) for lp in logs]
        return math.fsum(terms) - 1.0, math.fsum(t * lp for t, lp in zip(terms, logs))

    k = _root(excess, 1.0, 1.0, 50.0)
    return multiplicative([math.exp(k * lp) for lp in logs])


def _root(f: Callable[[float], tuple[float, float]], x: float, lo: float, hi: float) -> float:
    """The root of a decreasing ``f`` in ``[lo, hi]`` (``f(lo) > 0``): Newton's
    steps, a bisection whenever a step would leave the bracket."""
    for _ in range(100):
        value, slope = f(x)
        if abs(value) < _TOLERANCE:
            return x
        if value > 0:
            lo = x
        else:
            hi = x
        step = x - value / slope if slope < 0 else math.nan
        x = step if lo < step < hi else (lo + hi) / 2.0
        if hi - lo < _TOLERANCE:
            break
    return x


_SOLVERS: dict[str, Callable[[Sequence[float]], tuple[float, ...]]] = {
    "shin": shin,
    "power": power,
    "multiplicative": multiplicative,
}
