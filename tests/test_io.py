"""Readers for XYZ, extended XYZ, SDF, MOL, CIF and SMILES, and their errors on bad input."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA

import insight
from insight import StructureError, StructureFileError

# -- good files ---------------------------------------------------------------------


def test_read_xyz():
    mol = insight.read(DATA / "aspirin.xyz")
    assert mol.formula == "C9H8O4" and not mol.is_periodic
    assert mol.info["name"].startswith("aspirin")


def test_read_extended_xyz_with_lattice():
    si = insight.read(DATA / "silicon.extxyz")
    assert si.pbc == (True, True, True) and si.formula == "Si2"
    assert np.allclose(si.cell, [[0, 2.715, 2.715], [2.715, 0, 2.715], [2.715, 2.715, 0]])


def test_read_sdf_all_records_keeping_hydrogens():
    molecules = insight.read(DATA / "molecules.sdf", index=None)
    assert [m.formula for m in molecules] == ["C6H6", "C2H6O"]
    assert molecules[0].info["name"] == "benzene"


def test_read_mol():
    water = insight.read(DATA / "water.mol")
    assert water.formula == "H2O"


def test_read_cif():
    nacl = insight.read(DATA / "nacl.cif")
    assert nacl.is_periodic and nacl.formula == "ClNa"
    assert np.isclose(abs(np.linalg.det(nacl.cell)), 5.64**3 / 4, rtol=1e-6)


def test_smiles_to_3d_is_reproducible_and_sensible():
    a, b = insight.from_smiles("c1ccccc1", seed=7), insight.from_smiles("c1ccccc1", seed=7)
    assert a.formula == "C6H6" and np.array_equal(a.positions, b.positions)
    d = a.distances()
    carbons = a.numbers == 6
    cc = d[np.ix_(carbons, carbons)]
    bonded = cc[(cc > 0) & (cc < 1.6)]
    assert len(bonded) == 12 and np.allclose(bonded, 1.39, atol=0.02)  # MMFF aromatic C-C


def test_xyz_round_trip(tmp_path):
    mol = insight.read(DATA / "aspirin.xyz")
    insight.write_xyz(tmp_path / "out.xyz", [mol, mol.translated([1, 0, 0])])
    back = insight.read(tmp_path / "out.xyz", index=None)
    assert len(back) == 2 and np.allclose(back[1].positions, mol.positions + [1, 0, 0])


# -- malformed files: every reader names the problem ------------------------------------


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("bad_count.xyz", "three\nwater\nO 0 0 0\n", "line 1: expected the number of atoms"),
        ("short.xyz", "3\nwater\nO 0 0 0\nH 0.9 0 0\n", "announces 3 atoms but only 2"),
        ("bad_atom.xyz", "2\nH2\nH 0 0 0\nH 0.7 0\n", "line 4: expected 'element x y z'"),
        ("bad_element.xyz", "1\nX\nQq 0 0 0\n", "line 3: expected 'element x y z'"),
        ("nan.xyz", "1\nX\nH nan 0 0\n", "NaN"),
        ("bad.extxyz", '1\nLattice="1 0 0 0 1" Properties=species:S:1:pos:R:3\nH 0 0 0\n', "not valid extended XYZ"),
        ("bad.sdf", "garbage\n\n\n 3  2  0  0\n$$$$\n", "record 1: RDKit could not parse"),
        ("bad.mol", "water\n\n\n  x  y\nM  END\n", "RDKit could not parse the MOL block"),
        ("flat.mol", None, "only 2D coordinates"),
        ("bad.cif", "data_x\n_cell_length_a 3\nloop_\n_atom_site_label\nfoo bar\n", "not a readable CIF"),
        ("empty.xyz", "  \n", "is empty"),
    ],
)
def test_malformed_files_give_clear_errors(tmp_path, name, content, message):
    if content is None:  # a 2D MOL block, as drawn by a sketcher
        from rdkit import Chem
        from rdkit.Chem import AllChem

        mol = Chem.MolFromSmiles("CCO")
        AllChem.Compute2DCoords(mol)
        content = Chem.MolToMolBlock(mol)
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(StructureFileError, match=message) as info:
        insight.read(path)
    assert name in str(info.value)  # the message names the file


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(StructureFileError, match="unknown structure format 'pdbqt'"):
        insight.read(tmp_path / "x.pdbqt")
    with pytest.raises(StructureFileError, match="no such file"):
        insight.read(tmp_path / "missing.xyz")


def test_bad_smiles_is_refused_with_rdkit_reason():
    with pytest.raises(StructureError, match="could not be parsed: .*unclosed ring"):
        insight.from_smiles("C1CC")


def test_parse_text_from_an_upload():
    [mol] = insight.parse("2\nH2\nH 0 0 0\nH 0.74 0 0\n", "xyz", source="upload.xyz")
    assert mol.formula == "H2" and mol.info["source"] == "upload.xyz"
