"""What reading the temperature at every step costs next to the training step it measures.

Trains the same small MLP on MNIST-sized random data for the same steps with and without a per-step
``Thermometer.read()``, alternating the two several times in one process, and prints the median ratio.
Target: under 5 % extra. Run: .venv/bin/python benchmarks/thermometer_overhead.py
"""

import statistics
import time

import torch
import torch.nn.functional as F

from thermo_utils.core.thermometer import Thermometer


def train(steps: int, measure: bool, batch: int = 64) -> float:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.Tanh(), torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = torch.randn(steps, batch, 784), torch.randint(0, 10, (steps, batch))
    thermo = Thermometer(model) if measure else None
    start = time.perf_counter()
    for t in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x[t]), y[t]).backward()
        opt.step()
        if thermo:
            thermo.read()
    return time.perf_counter() - start


def main(steps: int = 400, repeats: int = 7) -> None:
    train(50, True)  # warm-up
    ratios = []
    for _ in range(repeats):
        plain, measured = train(steps, False), train(steps, True)
        ratios.append(measured / plain)
    print(f"per-step thermometer: {steps} steps of a 784-128-10 MLP, batch 64, {repeats} alternating pairs")
    print(f"time with / without reading every step: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}); target < 1.05")


if __name__ == "__main__":
    main()
