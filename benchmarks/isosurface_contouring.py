"""Contouring the isosurface sum_i |r - r_i|^-2 = 3.8 Å^-2: scikit-image's marching cubes against VTK's
(pyvista ``contour``, flying edges and marching cubes) on the same grid.

    python benchmarks/isosurface_contouring.py [--spacing 0.08] [--repeats 5]

Prints, per molecule and method: the time to contour a grid that is already computed (median of the repeats),
the vertex and face counts, and how exactly the vertices lie on the level: the field evaluated exactly at each
vertex, as the mean and the largest relative deviation |f(v) / level - 1|.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import insight
from insight.analysis.potential import inverse_square_field
from insight.thesis import ISOSURFACE_LEVEL

MOLECULES = ["ethanol", "phenol", "aspirin"]


def grid(structure: insight.Structure, spacing: float):
    margin = np.sqrt(len(structure) / ISOSURFACE_LEVEL) + 2 * spacing
    low = structure.positions.min(axis=0) - margin
    shape = np.ceil((structure.positions.max(axis=0) + margin - low) / spacing).astype(int) + 1
    axes = [low[k] + spacing * np.arange(shape[k]) for k in range(3)]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    return low, shape, inverse_square_field(structure, points).reshape(shape)


def skimage_contour(low, shape, field, spacing):
    from skimage.measure import marching_cubes

    vertices, faces, _, _ = marching_cubes(field, level=ISOSURFACE_LEVEL, spacing=(spacing,) * 3)
    return vertices + low, faces


def vtk_contour(method):
    def contour(low, shape, field, spacing):
        import pyvista as pv

        image = pv.ImageData(dimensions=tuple(int(n) for n in shape), spacing=(spacing,) * 3, origin=tuple(low))
        image.point_data["field"] = field.ravel(order="F")  # VTK's x index runs fastest
        surface = image.contour([ISOSURFACE_LEVEL], scalars="field", method=method)
        return np.asarray(surface.points), surface.faces.reshape(-1, 4)[:, 1:]

    return contour


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spacing", type=float, default=0.08)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    methods = {"scikit-image marching cubes": skimage_contour, "VTK flying edges": vtk_contour("flying_edges"),
               "VTK marching cubes": vtk_contour("marching_cubes")}
    print(f"grid spacing {args.spacing} Å, level {ISOSURFACE_LEVEL} Å^-2, median of {args.repeats} runs, "
          f"{os.cpu_count()} CPU cores visible, torch threads {__import__('torch').get_num_threads()}")
    for name in MOLECULES:
        structure = insight.example(name)
        low, shape, field = grid(structure, args.spacing)
        print(f"\n{name} ({len(structure)} atoms), grid {shape[0]} x {shape[1]} x {shape[2]} = {field.size:,} points")
        for label, contour in methods.items():
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                vertices, faces = contour(low, shape, field, args.spacing)
                times.append(time.perf_counter() - start)
            deviation = np.abs(inverse_square_field(structure, vertices) / ISOSURFACE_LEVEL - 1)
            print(f"  {label:28s} {1000 * np.median(times):7.1f} ms  {len(vertices):7,} vertices "
                  f"{len(faces):7,} faces  level error mean {deviation.mean():.2e} max {deviation.max():.2e}")


if __name__ == "__main__":
    main()
