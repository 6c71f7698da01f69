"""The structure type: validation, conversions, geometry helpers."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import molecule
from conftest import random_crystal

import insight
from insight import Structure, StructureError


def test_symbols_are_converted_and_formula_is_hill():
    s = Structure(["O", "C", "H", "H", "C"], np.arange(15.0).reshape(5, 3))
    assert list(s.numbers) == [8, 6, 1, 1, 6]
    assert s.formula == "C2H2O"
    assert Structure(["Cl", "Na"], [[0, 0, 0], [2, 0, 0]]).formula == "ClNa"


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(numbers=[1, 1], positions=[[0, 0, 0]]), "shape \\(2, 3\\)"),
        (dict(numbers=[1, 1], positions=[[0, 0, 0], [0, np.nan, 0]]), "NaN"),
        (dict(numbers=[1, 0], positions=[[0, 0, 0], [1, 0, 0]]), "1..118"),
        (dict(numbers=["H", "Xx"], positions=[[0, 0, 0], [1, 0, 0]]), "unknown element symbol 'Xx'"),
        (dict(numbers=[], positions=np.zeros((0, 3))), "at least one atom"),
        (dict(numbers=[1], positions=[[0, 0, 0]], pbc=True), "needs a cell"),
        (dict(numbers=[1], positions=[[0, 0, 0]], cell=np.ones((3, 3)), pbc=True), "singular"),
    ],
)
def test_malformed_structures_are_refused_with_a_reason(kwargs, message):
    with pytest.raises(StructureError, match=message):
        Structure(**kwargs)


def test_structures_are_immutable():
    s = Structure([1, 1], [[0, 0, 0], [0.74, 0, 0]])
    with pytest.raises(ValueError):
        s.positions[0, 0] = 1.0


def test_overlapping_atoms_are_named():
    s = Structure([6, 1, 1], [[0, 0, 0], [1.1, 0, 0], [1.15, 0.1, 0]])
    with pytest.raises(StructureError, match="atoms 1 \\(H\\) and 2 \\(H\\) overlap"):
        insight.check_overlaps(s)
    insight.check_overlaps(Structure([1, 1], [[0, 0, 0], [0.74, 0, 0]]))


def test_ase_round_trip_keeps_everything():
    crystal = random_crystal()
    back = Structure.from_ase(crystal.to_ase())
    assert np.array_equal(back.numbers, crystal.numbers)
    assert np.allclose(back.positions, crystal.positions)
    assert np.allclose(back.cell, crystal.cell) and back.pbc == crystal.pbc
    water = Structure.from_ase(molecule("H2O"))
    assert water.cell is None and not water.is_periodic and water.formula == "H2O"


def test_wrapping_puts_fractional_coordinates_in_unit_interval():
    wrapped = random_crystal().wrapped()
    frac = np.linalg.solve(wrapped.cell.T, wrapped.positions.T).T
    assert np.all((frac >= 0) & (frac < 1))


def test_supercell_has_the_right_size_and_cell():
    crystal = random_crystal()
    big = crystal.repeated((2, 1, 3))
    assert len(big) == 6 * len(crystal)
    assert np.allclose(big.cell, crystal.cell * np.array([[2], [1], [3]]))
    assert np.isclose(abs(np.linalg.det(big.cell)), 6 * abs(np.linalg.det(crystal.cell)))


def test_atomic_number_and_symbol():
    assert insight.atomic_number("c") == 6 and insight.atomic_number(8) == 8
    assert insight.element_symbol(26) == "Fe"
