"""The chapter's measurements against hand computations: halves, equilibrium gates, energies, paired tests."""

import numpy as np
import pandas as pd
import pytest

from thermo_utils.chapters.gnn_temperature import measures


def fake_run(loss, t_series, sizes=None, burn_in=1):
    sizes = sizes or {"a": 3, "b": 1}
    return {"train_loss": np.asarray(loss, float), "burn_in": burn_in, "layer_sizes": sizes,
            "T_epoch_series": {layer: np.asarray(t_series[layer], float) for layer in sizes}}


def test_halves_change_by_hand():
    assert measures.halves_change([1, 1, 2, 2]) == pytest.approx((2 - 1) / 1.5)
    assert measures.halves_change([1, 5, 3]) == pytest.approx((3 - 1) / 3)  # the middle reading in neither half
    with pytest.raises(ValueError):
        measures.halves_change([1])


def test_network_temperature_pools_layers_by_size():
    run = fake_run([0, 1, 1], {"a": [1, 2], "b": [5, 6]})
    assert measures.network_temperature_series(run) == pytest.approx([(3 + 5) / 4, (6 + 6) / 4])


def test_equilibrium_gate_values_skip_the_burn_in():
    flat = fake_run([9.0, 2, 2, 2, 2], {"a": [1, 1, 1, 1], "b": [1, 1, 1, 1]})
    rising = fake_run([9.0, 2, 2, 2.2, 2.2], {"a": [1, 1, 2, 2], "b": [1, 1, 2, 2]})
    gate = measures.equilibrium([flat, rising])
    assert gate["loss_drift_max"] == pytest.approx(0.2 / 2.1)
    assert gate["T_trend"] == pytest.approx((0 + 1 / 1.5) / 2)
    assert gate["T_trend_se"] == pytest.approx(np.std([0, 1 / 1.5], ddof=1) / np.sqrt(2))
    assert gate["recorded_epochs"] == 4 and gate["runs"] == 2


def test_energy_ratio_is_zero_when_kinetic_energy_absorbs_the_loss_and_one_when_it_is_constant():
    potential = np.array([2.0, 1.5, 1.8, 1.2])
    # K per epoch = 3·T_a + 1·T_b; make K = 5 − V exactly: T_a = T_b = (5 − V) / 4
    conserved = fake_run([0.0, *potential], {"a": (5 - potential) / 4, "b": (5 - potential) / 4})
    assert measures.energy_measured([conserved])["ratio"] == pytest.approx(0, abs=1e-12)
    constant = fake_run([0.0, *potential], {"a": np.full(4, 0.1), "b": np.full(4, 0.1)})
    assert measures.energy_measured([constant])["ratio"] == pytest.approx(1)


def test_paired_difference_by_hand():
    a, b = np.array([1, 1, 0, 1]), np.array([0, 1, 0, 0])
    diff, se = measures.paired_difference(a, b)
    assert diff == 0.5 and se == pytest.approx(np.std([1, 0, 0, 1], ddof=1) / 2)


def test_pruning_measured_pairs_rules_graph_by_graph():
    rows = []
    for fraction in (0.1, 0.5):
        rows.append({"rule": "hottest", "fraction": fraction, "drop": 0.0, "correct": np.array([1, 1, 1, 0])})
        rows.append({"rule": "coldest", "fraction": fraction, "drop": 0.5, "correct": np.array([1, 0, 0, 0])})
        for draw in range(2):
            rows.append({"rule": "random", "fraction": fraction, "drop": 0.25,
                         "correct": np.array([1, 1, draw, 0])})
    m = measures.pruning_measured(pd.DataFrame(rows), 0.75, 4, (0.1, 0.5))
    assert m["cold_minus_hot"] == pytest.approx(0.5) and m["drop_coldest"] - m["drop_hottest"] == pytest.approx(0.5)
    assert m["random_minus_hot"] == pytest.approx(0.125)  # random scores 1, 1, 0.5, 0 against 1, 1, 1, 0
