"""Texture reconstruction with intrinsic neural fields: a colour per surface point from Laplace-Beltrami eigenfunctions.

The talk's Table 3 (after Koestler et al., 2022) fits a neural field ``f(p) = NN(v_1(p), ..., v_k(p))`` to the
texture of a mesh, with ``v_i`` the eigenfunctions of its cotangent Laplacian, and compares four inputs: the raw
eigenfunctions (the intrinsic neural field), their absolute values, the raw values with a random sign per
eigenfunction at every training step (augmentation), and SignNet. This module rebuilds that experiment offline:

- :func:`icosphere`: the unit sphere as a subdivided icosahedron (vertices, triangles);
- :func:`cotangent_laplacian`: the cotangent stiffness matrix and the lumped (barycentric) mass matrix;
- :func:`eigenfunctions`: the first ``k`` solutions of ``L v = lambda M v``, M-orthonormal (float64, scipy);
- :func:`procedural_texture`: an RGB pattern (a softened checkerboard in longitude/latitude and smooth bands);
- :func:`surface_samples`: points drawn uniformly on the surface (a triangle by area, barycentric coordinates),
  where the eigenfunctions are interpolated linearly, as an intrinsic neural field evaluates them between vertices;
- :func:`texture_point`: one (model, seed) fit on surface samples, PSNR on other samples of the same surface (the
  analogue of Table 3's held-out views of a densely observed texture).

On the unit sphere the Laplace-Beltrami eigenvalues are l(l+1) with multiplicity 2l+1; the tests check the
discrete operator against them.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
import torch
from torch import nn

from thermo_utils.core.device import resolve_device
from thermo_utils.core.threads import single_thread

FIELD_KINDS = ("raw", "abs", "flip", "signnet")


# -------------------------------------------------------------------------------------------- the mesh
def icosphere(subdivisions: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertices [V,3] on the unit sphere and triangles [F,3] (outward orientation) of a subdivided icosahedron.

    ``V = 10 * 4**subdivisions + 2``.
    """
    if not 0 <= subdivisions <= 7:
        raise ValueError(f"subdivisions must be in 0..7, got {subdivisions}")
    t = (1 + math.sqrt(5)) / 2
    verts = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t),
             (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    faces = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2),
             (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11),
             (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    verts = [np.array(v, dtype=float) / np.linalg.norm(v) for v in verts]
    for _ in range(subdivisions):
        midpoint: dict[tuple[int, int], int] = {}

        def middle(a: int, b: int, midpoint=midpoint) -> int:
            key = (min(a, b), max(a, b))
            if key not in midpoint:
                m = verts[a] + verts[b]
                verts.append(m / np.linalg.norm(m))
                midpoint[key] = len(verts) - 1
            return midpoint[key]

        new = []
        for a, b, c in faces:
            ab, bc, ca = middle(a, b), middle(b, c), middle(c, a)
            new += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = new
    return np.array(verts), np.array(faces, dtype=np.int64)


def cotangent_laplacian(vertices: np.ndarray, faces: np.ndarray) -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    """The cotangent stiffness matrix ``L`` (positive semi-definite, rows sum to 0) and the lumped vertex areas.

    ``L_ij = -(cot a_ij + cot b_ij) / 2`` for an edge ij with opposite angles a, b; the mass of a vertex is a
    third of the area of its triangles. ``L v = lambda M v`` discretises ``-Δ v = lambda v``.
    """
    n = len(vertices)
    rows, cols, vals = [], [], []
    area = np.zeros(n)
    for corner in range(3):
        i, j, k = faces[:, corner], faces[:, (corner + 1) % 3], faces[:, (corner + 2) % 3]
        u, w = vertices[j] - vertices[i], vertices[k] - vertices[i]
        cross = np.linalg.norm(np.cross(u, w), axis=1)
        cot = (u * w).sum(1) / cross  # the angle at i is opposite the edge jk
        rows += [j, k]
        cols += [k, j]
        vals += [-cot / 2, -cot / 2]
        np.add.at(area, i, cross / 6)  # a third of the triangle's area (|u x w| / 2)
    off = scipy.sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                  shape=(n, n)).tocsr()
    return (off - scipy.sparse.diags(np.asarray(off.sum(1)).ravel())).tocsr(), area


def eigenfunctions(vertices: np.ndarray, faces: np.ndarray, k: int,
                   method: str = "sparse") -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` smallest eigenvalues and M-orthonormal eigenfunctions [V,k] of the cotangent Laplacian.

    ``sparse``: shift-invert Lanczos (scipy's ``eigsh``) around a small negative shift, from a fixed start vector
    so that the solver's choice of signs is the same on every run. Lanczos can miss copies of an *exactly*
    repeated eigenvalue (the round icosphere has icosahedral symmetry); the bumpy sphere the chapter uses has
    none, and the tests compare both methods on it. ``dense``: scipy's generalized ``eigh`` (O(V^3)).
    """
    if not 1 <= k < len(vertices) - 1:
        raise ValueError(f"k must be in 1..{len(vertices) - 2}, got {k}")
    if method not in ("sparse", "dense"):
        raise ValueError(f"method must be 'sparse' or 'dense', got {method!r}")
    stiffness, area = cotangent_laplacian(vertices, faces)
    if method == "dense":
        return scipy.linalg.eigh(stiffness.toarray(), np.diag(area), subset_by_index=[0, k - 1])
    mass = scipy.sparse.diags(area).tocsc()
    start = np.random.default_rng(0).standard_normal(len(vertices))
    vals, vecs = scipy.sparse.linalg.eigsh(stiffness.tocsc(), k, mass, sigma=-1e-2, which="LM", v0=start, tol=1e-10)
    order = np.argsort(vals)
    return vals[order], vecs[:, order]


def bumpy_sphere(subdivisions: int, bumps: int = 6, amplitude: float = 0.3, width: float = 0.6,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An icosphere pushed out by ``bumps`` Gaussian bumps at random directions: no symmetry left.

    A round sphere is antipodally symmetric, so every eigenfunction is even or odd and ``|v(p)| = |v(-p)|``:
    a sign-invariant field could not tell ``p`` from ``-p``. The bumps break that symmetry (the talk's meshes,
    a cat and a human, have none). Returns the deformed vertices, the triangles and the unit directions (where
    the texture is painted).
    """
    directions, faces = icosphere(subdivisions)
    rng = np.random.default_rng([seed, 13])
    centres = rng.standard_normal((bumps, 3))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    heights = amplitude * rng.uniform(0.5, 1.0, bumps)
    angle = np.arccos(np.clip(directions @ centres.T, -1, 1))
    radius = 1 + (heights * np.exp(-((angle / width) ** 2))).sum(1)
    return directions * radius[:, None], faces, directions


def procedural_texture(vertices: np.ndarray, cells: tuple[int, int] = (8, 6), softness: float = 0.08) -> np.ndarray:
    """RGB colours in [0, 1] per vertex: a softened checkerboard of ``cells`` (longitude, latitude) and bands.

    Red is the checkerboard, green a smooth function of longitude and latitude, blue their product.
    """
    x, y, z = vertices.T
    lon, lat = np.arctan2(y, x), np.arcsin(np.clip(z, -1, 1))
    soft = lambda s: 0.5 + 0.5 * np.tanh(s / softness)  # noqa: E731 - a local profile
    board = soft(np.sin(cells[0] / 2 * lon) * np.sin(cells[1] / 2 * (lat + np.pi / 2)))
    bands = 0.5 + 0.35 * np.sin(3 * lon) * np.cos(2 * lat)
    return np.stack([board, bands, board * bands + 0.25 * (1 - board)], 1)


# -------------------------------------------------------------------------------------------- the fields
class EigenField(nn.Module):
    """An MLP from the k eigenfunction values at a point to its colour: ``raw``, ``abs`` or ``flip``."""

    def __init__(self, k: int, hidden: int, mode: str, layers: int = 3):
        super().__init__()
        if mode not in ("raw", "abs", "flip"):
            raise ValueError(f"mode must be raw, abs or flip, got {mode!r}")
        self.mode = mode
        sizes = [k] + [hidden] * layers + [3]
        self.net = nn.Sequential(*[m for a, b in zip(sizes[:-2], sizes[1:-1]) for m in (nn.Linear(a, b), nn.ReLU())],
                                 nn.Linear(sizes[-2], sizes[-1]))

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        if self.mode == "abs":
            v = v.abs()
        elif self.mode == "flip" and self.training:  # a fresh sign per eigenfunction at every step (all points)
            v = v * (torch.randint(0, 2, (1, v.shape[-1]), device=v.device).to(v.dtype) * 2 - 1)
        return self.net(v)


class SignNetField(nn.Module):
    """``rho([phi(v_i(p)) + phi(-v_i(p))]_i)``: a shared ``phi`` per eigenfunction value, an MLP ``rho`` on all k.

    ``phi`` is a one-hidden-layer MLP, ``phi(x) = W2 relu(w1 x + b1) + b2``; its second layer is linear, so
    ``phi(x) + phi(-x) = W2 [relu(w1 x + b1) + relu(-w1 x + b1)] + 2 b2`` is computed with one product by ``W2``.
    """

    def __init__(self, k: int, hidden: int, phi_hidden: int = 8, phi_out: int = 4, layers: int = 3):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(1, phi_hidden), nn.ReLU(), nn.Linear(phi_hidden, phi_out))
        sizes = [k * phi_out] + [hidden] * layers + [3]
        self.rho = nn.Sequential(*[m for a, b in zip(sizes[:-2], sizes[1:-1]) for m in (nn.Linear(a, b), nn.ReLU())],
                                 nn.Linear(sizes[-2], sizes[-1]))

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        first, second = self.phi[0], self.phi[2]
        x = v.unsqueeze(-1) * first.weight[:, 0]  # [N,k,H]: w1 x
        both = torch.relu(x + first.bias) + torch.relu(first.bias - x)
        return self.rho((both @ second.weight.T + 2 * second.bias).flatten(1))


def make_field(kind: str, k: int, hidden: int) -> nn.Module:
    if kind == "signnet":
        return SignNetField(k, hidden)
    if kind in ("raw", "abs", "flip"):
        return EigenField(k, hidden, kind)
    raise ValueError(f"unknown field {kind!r}; valid: {', '.join(FIELD_KINDS)}")


def psnr(prediction: torch.Tensor, target: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB for colours in [0, 1] (predictions clipped to [0, 1])."""
    mse = float(((prediction.clamp(0, 1) - target) ** 2).mean())
    return 10 * math.log10(1 / max(mse, 1e-20))


# ----------------------------------------------------------------------------------- one fit (sweep point)
_MESHES: dict = {}


def mesh_spectrum(subdivisions: int, k: int, mesh_seed: int = 0):
    """Vertices, triangles, directions, eigenvalues and eigenfunctions of the bumpy sphere, cached per process."""
    key = (subdivisions, k, mesh_seed)
    if key not in _MESHES:
        vertices, faces, directions = bumpy_sphere(subdivisions, seed=mesh_seed)
        vals, vecs = eigenfunctions(vertices, faces, k)
        _MESHES[key] = (vertices, faces, directions, vals, vecs)
    return _MESHES[key]


def surface_samples(vertices: np.ndarray, faces: np.ndarray, n: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform on the surface: their triangles' vertex indices [n,3] and barycentric weights [n,3].

    A triangle is drawn with probability proportional to its area, then a point uniform inside it (the folded
    unit square). A quantity given at the vertices is interpolated as ``(values[tri] * bary[..., None]).sum(1)``.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    area = np.linalg.norm(np.cross(vertices[faces[:, 1]] - vertices[faces[:, 0]],
                                   vertices[faces[:, 2]] - vertices[faces[:, 0]]), axis=1)
    which = rng.choice(len(faces), n, p=area / area.sum())
    r = rng.random((n, 2))
    folded = r.sum(1) > 1
    r[folded] = 1 - r[folded]
    return faces[which], np.stack([1 - r.sum(1), r[:, 0], r[:, 1]], 1)


def texture_data(subdivisions: int, k: int, n_train: int, n_test: int, data_seed: int):
    """Eigenfunction values [n,k] (scaled to unit standard deviation) and colours [n,3] at train and test samples."""
    vertices, faces, directions, _, vecs = mesh_spectrum(subdivisions, k)
    scale = float(vecs.std())
    rng = np.random.default_rng([data_seed, 11])
    out = []
    for n in (n_train, n_test):
        tri, bary = surface_samples(vertices, faces, n, rng)
        features = (vecs[tri] * bary[:, :, None]).sum(1) / scale
        where = (directions[tri] * bary[:, :, None]).sum(1)
        out.append((features, procedural_texture(where / np.linalg.norm(where, axis=1, keepdims=True))))
    return out


def texture_point(kind: str, seed: int, data_seed: int, subdivisions: int, k: int, hidden: int, steps: int,
                  lr: float, train_points: int, test_points: int, device: str = "cpu") -> dict:
    """Fit one neural field to the procedural texture at ``train_points`` surface samples; PSNR at ``test_points``.

    The samples depend on ``data_seed`` only (shared by every model: a paired design); ``seed`` sets the model's
    initialisation and its sign flips. Full-batch Adam with a cosine schedule, squared loss.
    """
    if kind not in FIELD_KINDS:
        raise ValueError(f"unknown field {kind!r}; valid: {', '.join(FIELD_KINDS)}")
    if train_points < 1 or test_points < 1:
        raise ValueError(f"train_points and test_points must be >= 1, got {train_points}, {test_points}")
    with single_thread():
        device = resolve_device(device)
        (x_train, y_train), (x_test, y_test) = texture_data(subdivisions, k, train_points, test_points, data_seed)
        as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float32, device=device)  # noqa: E731
        x_train, y_train, x_test, y_test = map(as_tensor, (x_train, y_train, x_test, y_test))
        torch.manual_seed(seed)
        model = make_field(kind, k, hidden).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, foreach=True)  # one kernel per step, not per tensor
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
        for _ in range(steps):
            loss = ((model(x_train) - y_train) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        model.eval()
        with torch.no_grad():
            pred_train, pred_test = model(x_train), model(x_test)
        if not bool(torch.isfinite(pred_test).all() and torch.isfinite(pred_train).all()):
            raise RuntimeError(f"texture field {kind}: non-finite output (lr={lr}, seed={seed})")
        return {"kind": kind, "seed": seed, "train_psnr": psnr(pred_train, y_train),
                "test_psnr": psnr(pred_test, y_test), "parameters": sum(p.numel() for p in model.parameters())}
