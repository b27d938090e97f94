"""Contract every model passes: pickling, no input mutation, seeded determinism,
a proper distribution at every step."""

import copy
import pickle
import random

import pytest

from models.factory import MODEL_NAMES, PRIMARY, ArfConfig, build_models, primary_features
from models.pickling import dumps


def _samples(n=300, seed=7):
    rng = random.Random(seed)
    for _ in range(n):
        home = rng.uniform(0.2, 0.7)
        draw = rng.uniform(0.2, 0.3)
        away = max(1 - home - draw, 0.05)
        total = home + draw + away
        features = {
            "mkt_home": home / total,
            "mkt_draw": draw / total,
            "mkt_away": away / total,
            "elo_diff": rng.gauss(0, 1),
            "pi_gd": rng.gauss(0, 0.5),
            "form_points": rng.gauss(0, 0.5),
        }
        outcome = 0 if rng.random() < home / total else rng.choice((1, 2))
        yield features, outcome


def _input(name, features):
    """What the processor gives each model: the primary also sees the moment,
    the reference bookmaker and the ARF's prediction."""
    if name != PRIMARY:
        return features
    moment = "pre" if features["form_points"] > 0 else "close"
    return primary_features(features, moment, "pinnacle", (0.45, 0.25, 0.30))


def _run(models, samples):
    out = []
    for features, outcome in samples:
        out.append({name: model.predict(_input(name, features)) for name, model in models.items()})
        for name, model in models.items():
            model.learn(_input(name, features), outcome)
    return out


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_predictions_are_distributions(name):
    model = build_models(seed=1)[name]
    for features, outcome in _samples(200):
        probs = model.predict(_input(name, features))
        assert len(probs) == 3
        assert all(0.0 <= p <= 1.0 for p in probs)
        assert sum(probs) == pytest.approx(1.0)
        model.learn(_input(name, features), outcome)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_models_do_not_mutate_their_input(name):
    model = build_models(seed=1)[name]
    for features, outcome in _samples(100):
        x = _input(name, features)
        before = copy.deepcopy(x)
        model.predict(x)
        model.learn(x, outcome)
        assert x == before


def test_same_seed_same_predictions_and_pickle_round_trip():
    samples = list(_samples(400))
    first, second = build_models(seed=3), build_models(seed=3)
    assert _run(first, samples[:300]) == _run(second, samples[:300])
    clone = pickle.loads(pickle.dumps(first))
    assert _run(clone, samples[300:]) == _run(first, samples[300:])


def test_a_compact_pickle_loses_nothing_a_model_uses():
    samples = list(_samples(400))
    models = build_models(seed=5)
    _run(models, samples[:300])
    before = pickle.dumps(models)
    restored = pickle.loads(dumps(models))
    assert pickle.dumps(models) == before  # pickling leaves the models as they were
    assert _run(restored, samples[300:]) == _run(models, samples[300:])


def test_the_compact_forest_pickle_is_a_fraction_of_the_plain_one():
    forest = build_models(seed=5)["arf"]
    _run({"arf": forest}, _samples(600))
    assert len(dumps(forest)) * 3 < len(pickle.dumps(forest, protocol=pickle.HIGHEST_PROTOCOL))


def test_arf_is_bounded_and_uses_adwin_detectors():
    arf = build_models(seed=1, arf=ArfConfig())["arf"].estimator
    assert type(arf.drift_detector).__name__ == "ADWIN"
    assert type(arf.warning_detector).__name__ == "ADWIN"
    assert arf.max_depth is not None and arf.max_size is not None
    _run({"arf": build_models(seed=1)["arf"]}, _samples(300))
    assert len(pickle.dumps(arf)) < 10 * 1024 * 1024
