"""Off-screen pyvista renders: the surface carries its values, and the picture shows the colours of Ω."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import insight

pv = pytest.importorskip("pyvista")


@pytest.fixture(scope="module")
def ethanol_surface():
    model = insight.load_model("schnet-qm9-t1", device="cpu")
    ethanol = insight.example("ethanol")
    return ethanol, insight.potential_on_isosurface(model, ethanol, "H", spacing=0.25)


def test_a_surface_becomes_a_pyvista_mesh_with_its_values(ethanol_surface):
    _, surface = ethanol_surface
    mesh = surface.to_pyvista()
    np.testing.assert_allclose(mesh.points, surface.vertices)
    np.testing.assert_allclose(mesh.point_data["Omega_H"], surface.values)
    assert mesh.n_cells == len(surface.faces) and mesh.is_all_triangles


def _colours(path, columns=slice(None)):
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)[:, columns]
    reddish = ((pixels[..., 0] > 150) & (pixels[..., 2] < 110)).sum()
    bluish = ((pixels[..., 2] > 120) & (pixels[..., 0] < 90)).sum()
    return pixels.shape, reddish, bluish


def test_the_potential_render_shows_low_and_high_regions(ethanol_surface, tmp_path):
    from insight.plots.render import render_potential

    ethanol, surface = ethanol_surface
    path = render_potential(tmp_path / "ethanol.png", surface, ethanol, window_size=(480, 360))
    shape, reddish, bluish = _colours(path)
    assert shape == (360, 480, 3) and reddish > 200 and bluish > 200  # the RdBu scale, both ends on the surface


def test_a_grid_of_renders_has_one_panel_per_surface(ethanol_surface, tmp_path):
    """Each panel takes its own colour range: two surfaces graded along x over disjoint ranges of Ω, 100 kcal/mol
    apart, each show both ends of the scale in their own panel (a shared range would paint one blue, one red),
    whatever a trained model's values are."""
    from insight.plots.render import render_potential_grid

    ethanol, surface = ethanol_surface
    graded = -60.0 + 5.0 * surface.vertices[:, 0]
    surfaces = {("row", "a"): dataclasses.replace(surface, values=graded),
                ("row", "b"): dataclasses.replace(surface, values=graded + 100.0)}
    path = render_potential_grid(tmp_path / "grid.png", surfaces, {key: ethanol for key in surfaces},
                                 panel_size=(300, 250))
    shape, _, _ = _colours(path)
    assert shape == (250, 600, 3)
    for panel in (slice(0, 300), slice(300, 600)):
        _, reddish, bluish = _colours(path, columns=panel)
        assert reddish > 200 and bluish > 200
