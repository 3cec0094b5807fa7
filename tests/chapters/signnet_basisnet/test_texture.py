"""The mesh, its cotangent Laplacian against the sphere's closed-form spectrum, and the neural fields."""

import math

import numpy as np
import pytest
import torch

from thermo_utils.chapters.signnet_basisnet import texture as tex


def test_icosphere_counts_and_radius():
    for s in range(3):
        v, f = tex.icosphere(s)
        assert len(v) == 10 * 4**s + 2 and len(f) == 20 * 4**s
        assert np.allclose(np.linalg.norm(v, axis=1), 1)
    with pytest.raises(ValueError, match="subdivisions"):
        tex.icosphere(9)


def test_laplacian_rows_sum_to_zero_and_areas_add_up():
    v, f = tex.icosphere(3)
    stiffness, area = tex.cotangent_laplacian(v, f)
    assert abs(stiffness.sum(1)).max() < 1e-10 and abs(stiffness - stiffness.T).max() < 1e-12
    assert area.sum() == pytest.approx(4 * math.pi, rel=0.01)  # the inscribed polyhedron is a little smaller


def test_sphere_spectrum_is_l_times_l_plus_one():
    v, f = tex.icosphere(3)
    vals, vecs = tex.eigenfunctions(v, f, 9, method="dense")
    expected = [0] + [2] * 3 + [6] * 5
    assert np.allclose(vals, expected, rtol=0.03, atol=1e-8)
    _, area = tex.cotangent_laplacian(v, f)
    assert np.allclose(vecs.T @ (area[:, None] * vecs), np.eye(9), atol=1e-8)  # M-orthonormal


def test_sparse_solver_matches_dense_on_the_bumpy_sphere():
    vertices, faces, _ = tex.bumpy_sphere(2, seed=0)
    sparse_vals, sparse_vecs = tex.eigenfunctions(vertices, faces, 12)
    dense_vals, dense_vecs = tex.eigenfunctions(vertices, faces, 12, method="dense")
    assert np.allclose(sparse_vals, dense_vals, rtol=1e-8, atol=1e-8)
    # the same eigenfunctions up to sign (the bumpy sphere's eigenvalues are simple)
    assert np.allclose(np.abs((sparse_vecs * dense_vecs).sum(0) / np.linalg.norm(sparse_vecs, axis=0)
                              / np.linalg.norm(dense_vecs, axis=0)), 1, atol=1e-6)


def test_bumpy_sphere_breaks_the_antipodal_symmetry():
    vertices, faces, directions = tex.bumpy_sphere(2, seed=0)
    radius = np.linalg.norm(vertices, axis=1)
    assert radius.min() >= 1 and radius.max() > 1.1
    vals, vecs = tex.eigenfunctions(vertices, faces, 8)
    # on the round sphere |v(p)| = |v(-p)| for every eigenfunction; here it is not
    v0, _ = tex.icosphere(2)
    antipode = np.array([np.argmin(np.linalg.norm(v0 + p, axis=1)) for p in v0])
    assert np.abs(np.abs(vecs[:, 1]) - np.abs(vecs[antipode, 1])).max() > 0.05


def test_psnr_closed_form():
    target = torch.zeros(10, 3)
    assert tex.psnr(torch.full((10, 3), 0.1), target) == pytest.approx(20.0)
    assert tex.psnr(torch.full((10, 3), -5.0), target) > 100  # predictions are clipped to [0, 1]


def test_signnet_field_is_sign_invariant_and_flip_only_while_training():
    torch.manual_seed(0)
    v = torch.randn(5, 6)
    signs = torch.tensor([1.0, -1, 1, -1, -1, 1])
    field = tex.make_field("signnet", 6, 8)
    assert torch.allclose(field(v), field(v * signs), atol=1e-6)
    flip = tex.make_field("flip", 6, 8).eval()
    assert torch.equal(flip(v), flip(v))
    with pytest.raises(ValueError, match="unknown field"):
        tex.make_field("lap", 6, 8)


def test_flip_draws_one_sign_per_eigenfunction_for_all_points():
    torch.manual_seed(0)
    field = tex.make_field("flip", 4, 8).train()
    seen = []
    field.net.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    v = torch.rand(50, 4) + 0.5
    field(v)
    ratio = seen[0] / v
    assert torch.all((ratio == 1) | (ratio == -1)) and torch.all(ratio == ratio[:1])


def test_surface_samples_are_uniform_by_area_and_convex():
    vertices, faces = tex.icosphere(2)
    tri, bary = tex.surface_samples(vertices, faces, 20000, np.random.default_rng(0))
    assert tri.shape == bary.shape == (20000, 3)
    assert np.all(bary >= 0) and np.allclose(bary.sum(1), 1)
    points = (vertices[tri] * bary[:, :, None]).sum(1)
    # uniform on the (nearly round) surface: the mean point is near the centre, each octant holds about 1/8
    assert np.linalg.norm(points.mean(0)) < 0.03
    octants = np.unique((points > 0) @ np.array([1, 2, 4]), return_counts=True)[1] / len(points)
    assert np.allclose(octants, 1 / 8, atol=0.015)
    with pytest.raises(ValueError, match="n must"):
        tex.surface_samples(vertices, faces, 0, np.random.default_rng(0))


def test_signnet_field_equals_phi_of_v_plus_phi_of_minus_v():
    torch.manual_seed(1)
    field = tex.make_field("signnet", 5, 8)
    v = torch.randn(7, 5)
    x = v.unsqueeze(-1)
    assert torch.allclose(field(v), field.rho((field.phi(x) + field.phi(-x)).flatten(1)), atol=1e-6)


ARGS = dict(seed=0, data_seed=0, subdivisions=1, k=8, hidden=8, steps=3, lr=1e-2, train_points=60, test_points=30)


def test_texture_point_deterministic_on_the_device(factory_audit):
    with factory_audit() as audit:
        a = tex.texture_point("flip", **ARGS, device="cpu")
    assert not audit.missing
    assert a == tex.texture_point("flip", **ARGS)
    assert set(a) >= {"train_psnr", "test_psnr", "parameters"}
    with pytest.raises(ValueError, match="train_points"):
        tex.texture_point("raw", **{**ARGS, "train_points": 0})
