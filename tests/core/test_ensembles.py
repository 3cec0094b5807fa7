"""Stacked training against an independent oracle: the same models trained one by one with torch.optim."""

import copy

import torch
import torch.nn.functional as F

from thermo_utils.core.ensembles import Adam, ensemble_gradients, repeat_params, sgd_step, stack_params


def _models(n):
    torch.manual_seed(0)
    return [torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)) for _ in range(n)]


def _batches(n_members, steps):
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(n_members, 6, 5, generator=g), torch.randint(0, 3, (n_members, 6), generator=g))
            for _ in range(steps)]


def _train_one_by_one(models, rates, batches, optimizer):
    trained = []
    for m, (model, rate) in enumerate(zip(models, rates)):
        model = copy.deepcopy(model)
        opt = optimizer(model.parameters(), lr=rate)
        for x, y in batches:
            opt.zero_grad()
            F.cross_entropy(model(x[m]), y[m]).backward()
            opt.step()
        trained.append(model)
    return stack_params(trained)


def test_stacked_sgd_equals_torch_sgd():
    models, rates = _models(3), [0.1, 0.5, 1.0]
    batches = _batches(3, 5)
    params = stack_params(models)
    for x, y in batches:
        sgd_step(params, ensemble_gradients(models[0], F.cross_entropy, params, x, y), torch.tensor(rates))
    oracle = _train_one_by_one(models, rates, batches, torch.optim.SGD)
    for name in params:
        torch.testing.assert_close(params[name], oracle[name], rtol=1e-5, atol=1e-6)


def test_stacked_adam_equals_torch_adam():
    models, rates = _models(2), [1e-3, 1e-2]
    batches = _batches(2, 6)
    params = stack_params(models)
    adam = Adam(params)
    for x, y in batches:
        adam.step(ensemble_gradients(models[0], F.cross_entropy, params, x, y), torch.tensor(rates))
    oracle = _train_one_by_one(models, rates, batches, torch.optim.Adam)
    for name in params:
        torch.testing.assert_close(params[name], oracle[name], rtol=1e-4, atol=1e-6)


def test_repeat_params_is_member_major():
    params = {"w": torch.tensor([[1.0], [2.0]])}
    assert repeat_params(params, 2)["w"].flatten().tolist() == [1.0, 1.0, 2.0, 2.0]
