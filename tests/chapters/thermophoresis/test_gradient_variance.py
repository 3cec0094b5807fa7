"""Gradient variance of deep nets: the vectorised estimator against a plain loop over examples."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.thermophoresis import gradient_variance as gv


def _loop_variance(model, x, y):
    grads = []
    for xi, yi in zip(x, y):
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(xi[None]), yi[None]).backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    return torch.stack(grads).var(dim=0, unbiased=True).mean()


def test_variance_of_per_example_gradients_matches_a_loop():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(12, 7, generator=gen), torch.randint(0, 10, (12,), generator=gen)
    run = gv.train_and_measure(lambda: gv.fully_connected(7, width=5, depth=3), x, y, [0.1, 0.2], [3], 1, 4,
                               probe_size=12, measure_every=1)
    model = gv.seeded_model(lambda: gv.fully_connected(7, width=5, depth=3), 3)
    expected = float(_loop_variance(model, x[torch.randperm(12, generator=gv.torch_generator(3, 12))],
                                    y[torch.randperm(12, generator=gv.torch_generator(3, 12))]))
    assert run.variance[0, 0, 0] == pytest.approx(expected, rel=1e-4)
    assert run.variance[1, 0, 0] == run.variance[0, 0, 0]  # both etas start from the same weights
    assert run.variance[0, 0, 1] != run.variance[1, 0, 1]


def test_cnn_shape_and_bad_depth():
    net = gv.convolutional()
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert sum(isinstance(m, torch.nn.Conv2d) for m in net) == 5
    with pytest.raises(ValueError):
        gv.convolutional(image_size=12)
    with pytest.raises(ValueError):
        gv.fully_connected(4, depth=1)


def test_training_is_deterministic_and_validates_input():
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(20, 4, generator=gen), torch.randint(0, 10, (20,), generator=gen)
    make = lambda: gv.fully_connected(4, width=3, depth=3)  # noqa: E731
    a = gv.train_and_measure(make, x, y, [0.1, 0.3], [0, 1], 6, 2, probe_size=5, measure_every=3)
    b = gv.train_and_measure(make, x, y, [0.1, 0.3], [0, 1], 6, 2, probe_size=5, measure_every=3)
    np.testing.assert_array_equal(a.variance, b.variance)
    assert a.variance.shape == (2, 2, 3) and list(a.steps) == [0, 3, 6]
    with pytest.raises(ValueError, match="batch_size"):
        gv.train_and_measure(make, x, y, [0.1], [0], 3, 50)
    with pytest.raises(ValueError, match="etas"):
        gv.train_and_measure(make, x, y, [-0.1], [0], 3, 2)
    with pytest.raises(ValueError, match="architecture"):
        gv.deep_point("rnn", [0.1], [0], 2, 2, 64, 4, 1)
