"""Pickles of model state, without the part of it nothing reads.

River gives every ``proba.Gaussian`` a ``random.Random`` of its own, used only
by ``Gaussian.sample()``, which no tree or forest calls. A Hoeffding tree keeps
one Gaussian per class for each feature it watches in each leaf, and a pickled
Mersenne Twister is 2.5 KB against the ~100 bytes of mean and variance it sits
beside: after 18 Premier League seasons those generators were 85% of the
forest's pickle (4.7 MB of ARF, 0.7 MB without them).

:func:`dumps` leaves the Gaussians' generators out; unpickling gives each a
fresh one from its seed. Every number a model computes is unchanged (the
contract test restores a processor mid-stream and compares every record).
Any pickle loads with :func:`pickle.loads`.

>>> from river import proba
>>> g = proba.Gaussian()
>>> for x in (1.0, 2.0, 4.0):
...     g.update(x)
>>> compact, full = dumps(g), pickle.dumps(g, protocol=pickle.HIGHEST_PROTOCOL)
>>> len(compact) < len(full) // 5
True
>>> restored = pickle.loads(compact)
>>> (restored.mu, restored.sigma) == (g.mu, g.sigma)
True
"""

from __future__ import annotations

import copyreg
import io
import pickle
import random
from typing import Any

from river import proba


def _gaussian(state: dict[str, Any]) -> proba.Gaussian:
    gaussian = proba.Gaussian.__new__(proba.Gaussian)
    gaussian.__dict__.update(state)
    gaussian._rng = random.Random(state.get("seed"))
    return gaussian


def _reduce_gaussian(gaussian: proba.Gaussian) -> tuple[Any, tuple[dict[str, Any]]]:
    return _gaussian, ({k: v for k, v in vars(gaussian).items() if k != "_rng"},)


_DISPATCH = {**copyreg.dispatch_table, proba.Gaussian: _reduce_gaussian}


def dumps(value: object) -> bytes:
    """``value`` pickled (highest protocol) without the Gaussians' generators."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH  # this pickler only: River's class is untouched
    pickler.dump(value)
    return buffer.getvalue()
