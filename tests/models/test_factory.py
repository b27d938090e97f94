"""Contract every model passes: pickling, no input mutation, seeded determinism,
a proper distribution at every step."""

import copy
import pickle
import random

import pytest

from models.factory import MODEL_NAMES, ArfConfig, build_models


def _samples(n=300, seed=7):
    rng = random.Random(seed)
    for _ in range(n):
        home = rng.uniform(0.2, 0.7)
        draw = rng.uniform(0.2, 0.3)
        away = max(1 - home - draw, 0.05)
        total = home + draw + away
        features = {"mkt_home": home / total, "mkt_draw": draw / total,
                    "mkt_away": away / total, "elo_diff": rng.gauss(0, 1),
                    "form_points": rng.gauss(0, 0.5)}
        outcome = 0 if rng.random() < home / total else rng.choice((1, 2))
        yield features, outcome


def _run(models, samples):
    out = []
    for features, outcome in samples:
        out.append({name: model.predict(features) for name, model in models.items()})
        for model in models.values():
            model.learn(features, outcome)
    return out


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_predictions_are_distributions(name):
    model = build_models(seed=1)[name]
    for features, outcome in _samples(200):
        probs = model.predict(features)
        assert len(probs) == 3
        assert all(0.0 <= p <= 1.0 for p in probs)
        assert sum(probs) == pytest.approx(1.0)
        model.learn(features, outcome)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_models_do_not_mutate_their_input(name):
    model = build_models(seed=1)[name]
    for features, outcome in _samples(100):
        before = copy.deepcopy(features)
        model.predict(features)
        model.learn(features, outcome)
        assert features == before


def test_same_seed_same_predictions_and_pickle_round_trip():
    samples = list(_samples(400))
    first, second = build_models(seed=3), build_models(seed=3)
    assert _run(first, samples[:300]) == _run(second, samples[:300])
    clone = pickle.loads(pickle.dumps(first))
    assert _run(clone, samples[300:]) == _run(first, samples[300:])


def test_arf_is_bounded_and_uses_adwin_detectors():
    arf = build_models(seed=1, arf=ArfConfig())["arf"].estimator
    assert type(arf.drift_detector).__name__ == "ADWIN"
    assert type(arf.warning_detector).__name__ == "ADWIN"
    assert arf.max_depth is not None and arf.max_size is not None
    _run({"arf": build_models(seed=1)["arf"]}, _samples(300))
    assert len(pickle.dumps(arf)) < 10 * 1024 * 1024
