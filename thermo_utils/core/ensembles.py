"""Many small models trained at once: stacked parameters, torch.func, in-place optimizer steps.

A model's parameters are stacked along a new first dimension (one slice per member: a learning rate, a
seed, a twin dataset). ``vmap`` over ``grad`` of ``functional_call`` gives every member's gradient on its
own batch in one call. Updates are in place, so a :class:`~thermo_utils.core.thermometer.Thermometer` built on
the stacked tensors keeps measuring the live weights.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import functional_call, grad, vmap


def stack_params(models: list[torch.nn.Module]) -> dict[str, torch.Tensor]:
    """Stack the parameters of equally shaped models: name → tensor of shape (members, …)."""
    names = [n for n, _ in models[0].named_parameters()]
    return {n: torch.stack([dict(m.named_parameters())[n].detach() for m in models]).clone() for n in names}


def repeat_params(params: dict[str, torch.Tensor], times: int) -> dict[str, torch.Tensor]:
    """Each member repeated ``times`` times in a row (member-major): to continue one state at several rates."""
    return {n: p.repeat_interleave(times, dim=0).clone() for n, p in params.items()}


def member_loss_fn(model: torch.nn.Module, loss: Callable):
    """loss(model with ``params`` applied to x, y) for one member, ready for ``grad``/``vmap``."""

    def member_loss(params, x, y):
        return loss(functional_call(model, params, (x,)), y)

    return member_loss


def ensemble_gradients(model: torch.nn.Module, loss: Callable, params: dict, x: torch.Tensor, y: torch.Tensor):
    """Gradients of every member on its own batch: x has shape (members, batch, …), y (members, batch)."""
    return vmap(grad(member_loss_fn(model, loss)))(params, x, y)


def ensemble_losses(model: torch.nn.Module, loss: Callable, params: dict, x: torch.Tensor, y: torch.Tensor):
    """Every member's loss on one shared batch (x: (batch, …)): shape (members,)."""
    return vmap(member_loss_fn(model, loss), in_dims=(0, None, None))(params, x, y)


def _per_member(rates: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return rates.view(-1, *([1] * (like.dim() - 1)))


@torch.no_grad()
def sgd_step(params: dict, grads: dict, rates: torch.Tensor) -> None:
    """w ← w − η g for every member, each with its own rate."""
    for name, p in params.items():
        p.sub_(_per_member(rates, p) * grads[name])


class Adam:
    """Adam (Kingma & Ba) for stacked parameters, one learning rate per member, updated in place."""

    def __init__(self, params: dict, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params, self.betas, self.eps, self.steps = params, betas, eps, 0
        self.m = {n: torch.zeros_like(p) for n, p in params.items()}
        self.v = {n: torch.zeros_like(p) for n, p in params.items()}

    @torch.no_grad()
    def step(self, grads: dict, rates: torch.Tensor) -> None:
        b1, b2 = self.betas
        self.steps += 1
        c1, c2 = 1 - b1**self.steps, 1 - b2**self.steps
        for name, p in self.params.items():
            g = grads[name]
            self.m[name].mul_(b1).add_(g, alpha=1 - b1)
            self.v[name].mul_(b2).addcmul_(g, g, value=1 - b2)
            update = (self.m[name] / c1) / ((self.v[name] / c2).sqrt() + self.eps)
            p.sub_(_per_member(rates, p) * update)
