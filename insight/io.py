"""Reading structures: XYZ / extended XYZ, SDF / MOL, CIF, and SMILES.

All formats go through :func:`read` (a path) or :func:`parse` (text already in
memory, e.g. an upload), dispatched on the format name or file extension.
Readers raise :class:`StructureFileError` naming the source and, where the
format allows, the line.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .structures import Structure, StructureError, atomic_number

__all__ = ["StructureFileError", "read", "parse", "from_smiles", "write_xyz", "FORMATS"]


class StructureFileError(StructureError):
    """A structure file cannot be read; the message names the file and, if known, the line."""


# -- XYZ ---------------------------------------------------------------------------


def _xyz_frames(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """Split XYZ text into frames, checking the layout; yields (first line number, lines)."""
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        if not lines[k].strip():
            k += 1
            continue
        try:
            n = int(lines[k].split()[0])
            if n < 1:
                raise ValueError
        except ValueError:
            raise StructureFileError(
                f"{source}, line {k + 1}: expected the number of atoms, got {lines[k].strip()[:60]!r}"
            ) from None
        if k + 2 + n > len(lines):
            raise StructureFileError(
                f"{source}, line {k + 1}: header announces {n} atoms but only {max(len(lines) - k - 2, 0)} lines follow"
            )
        yield k + 1, lines[k : k + 2 + n]
        k += 2 + n


def _parse_xyz_frame(first_line: int, lines: list[str], source: str) -> Structure:
    comment = lines[1]
    if "Lattice=" in comment or "Properties=" in comment:
        return _parse_extxyz_frame(first_line, lines, source)
    numbers, positions = [], []
    for offset, line in enumerate(lines[2:], start=first_line + 2):
        parts = line.split()
        try:
            if len(parts) < 4:
                raise ValueError
            numbers.append(int(parts[0]) if parts[0].isdigit() else atomic_number(parts[0]))
            positions.append([float(v) for v in parts[1:4]])
        except (ValueError, StructureError):
            raise StructureFileError(
                f"{source}, line {offset}: expected 'element x y z' (Å), got {line.strip()[:60]!r}"
            ) from None
    try:
        return Structure(numbers, positions, info={"name": comment.strip(), "source": source})
    except StructureError as err:
        raise StructureFileError(f"{source}, frame at line {first_line}: {err}") from err


def _parse_extxyz_frame(first_line: int, lines: list[str], source: str) -> Structure:
    import ase.io

    try:
        atoms = ase.io.read(io.StringIO("\n".join(lines) + "\n"), format="extxyz", index=0)
    except Exception as err:  # ASE raises many types for malformed extended XYZ
        raise StructureFileError(f"{source}, frame at line {first_line}: not valid extended XYZ ({err})") from err
    try:
        return Structure.from_ase(atoms, source=source)
    except StructureError as err:
        raise StructureFileError(f"{source}, frame at line {first_line}: {err}") from err


def _read_xyz(text: str, source: str) -> list[Structure]:
    return [_parse_xyz_frame(first, lines, source) for first, lines in _xyz_frames(text, source)]


# -- SDF / MOL (RDKit) -----------------------------------------------------------


@contextlib.contextmanager
def _rdkit_messages() -> Iterator[list[str]]:
    """Collect RDKit's log messages instead of letting them go to stderr."""
    from rdkit import rdBase

    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage().split("] ", 1)[-1].strip())

    rdBase.LogToPythonLogger()
    logger = logging.getLogger("rdkit")
    handler = _Collect()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _structure_from_rdkit(mol, source: str, **info) -> Structure:
    conformer = mol.GetConformer()
    positions = np.asarray(conformer.GetPositions(), dtype=np.float64)
    numbers = [a.GetAtomicNum() for a in mol.GetAtoms()]
    if 0 in numbers:
        raise StructureFileError(f"{source}: contains dummy atoms ('*' or R groups); give real elements only")
    if len(numbers) > 1 and not conformer.Is3D() and np.allclose(positions[:, 2], 0.0):
        raise StructureFileError(
            f"{source}: has only 2D coordinates; the models need a 3D geometry (give 3D coordinates, or a SMILES to embed)"
        )
    name = mol.GetProp("_Name") if mol.HasProp("_Name") else ""
    return Structure(numbers, positions, info={"name": name, "source": source, **info})


def _read_sdf(text: str, source: str) -> list[Structure]:
    from rdkit import Chem

    with _rdkit_messages() as messages:
        supplier = Chem.SDMolSupplier()
        supplier.SetData(text, removeHs=False, sanitize=False)
        structures = []
        for k, mol in enumerate(supplier):
            if mol is None:
                reason = "; ".join(m for m in messages if "moving to the beginning" not in m) or "unknown reason"
                raise StructureFileError(f"{source}, record {k + 1}: RDKit could not parse it ({reason})")
            structures.append(_structure_from_rdkit(mol, source))
    if not structures:
        raise StructureFileError(f"{source}: contains no molecule records")
    return structures


def _read_mol(text: str, source: str) -> list[Structure]:
    from rdkit import Chem

    with _rdkit_messages() as messages:
        mol = Chem.MolFromMolBlock(text, removeHs=False, sanitize=False)
    if mol is None:
        reason = "; ".join(messages) or "unknown reason"
        raise StructureFileError(f"{source}: RDKit could not parse the MOL block ({reason})")
    return [_structure_from_rdkit(mol, source)]


# -- CIF (ASE) -----------------------------------------------------------------------


def _read_cif(text: str, source: str) -> list[Structure]:
    import ase.io

    try:
        images = ase.io.read(io.StringIO(text), format="cif", index=":")
    except Exception as err:  # ASE's CIF parser raises assorted types on malformed input
        raise StructureFileError(
            f"{source}: not a readable CIF ({type(err).__name__}: {err}); it needs _cell_length_a/b/c, "
            "_cell_angle_alpha/beta/gamma and an _atom_site_ loop with fractional coordinates"
        ) from err
    if not images:
        raise StructureFileError(f"{source}: contains no crystal structure (no data_ block with atoms)")
    try:
        return [Structure.from_ase(atoms, source=source) for atoms in images]
    except StructureError as err:
        raise StructureFileError(f"{source}: {err}") from err


# -- dispatch --------------------------------------------------------------------------

FORMATS: dict[str, Callable[[str, str], list[Structure]]] = {
    "xyz": _read_xyz,
    "extxyz": _read_xyz,
    "sdf": _read_sdf,
    "mol": _read_mol,
    "cif": _read_cif,
}


def _format_of(name: str, format: str | None) -> str:
    fmt = (format or Path(name).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise StructureFileError(
            f"{name}: unknown structure format {fmt!r}; insight reads {', '.join(sorted(FORMATS))} "
            "(pass format=... if the extension is unusual)"
        )
    return fmt


def parse(text: str, format: str, source: str = "<text>") -> list[Structure]:
    """All structures in ``text`` of the given ``format`` (``xyz``, ``extxyz``, ``sdf``, ``mol``, ``cif``)."""
    fmt = _format_of(source, format)
    if not text.strip():
        raise StructureFileError(f"{source}: is empty")
    return FORMATS[fmt](text, source)


def read(path: str | os.PathLike, format: str | None = None, index: int | slice | None = 0):
    """Read structures from a file.

    Parameters
    ----------
    path
        File in one of :data:`FORMATS`, chosen by extension unless ``format`` is given.
    index
        Which structure of a multi-structure file: an int (default: the first)
        gives one :class:`Structure`; a slice or ``None`` gives a list.
    """
    path = Path(path)
    fmt = _format_of(path.name, format)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StructureFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise StructureFileError(f"{path}: is not a text file (binary formats are not supported)") from None
    structures = parse(text, fmt, source=str(path))
    if index is None:
        return structures
    if isinstance(index, slice):
        return structures[index]
    try:
        return structures[index]
    except IndexError:
        raise StructureFileError(f"{path}: asked for structure {index} but it holds {len(structures)}") from None


def from_smiles(smiles: str, seed: int = 42, optimize: bool = True, name: str | None = None) -> Structure:
    """A 3D molecule from SMILES: RDKit ETKDG embedding, then an MMFF94 relaxation.

    Parameters
    ----------
    smiles
        The SMILES string; hydrogens are added.
    seed
        Random seed of the embedding (the same seed gives the same geometry).
    optimize
        Relax with MMFF94 after embedding (skipped when MMFF has no parameters).
    """
    from rdkit import Chem
    from rdkit.Chem import AllChem

    with _rdkit_messages() as messages:
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        reason = "; ".join(messages) or "invalid syntax"
        raise StructureError(f"SMILES {smiles!r} could not be parsed: {reason}")
    mol = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = int(seed)
    with _rdkit_messages():
        status = AllChem.EmbedMolecule(mol, params)
        if status != 0:
            params.useRandomCoords = True
            status = AllChem.EmbedMolecule(mol, params)
    if status != 0:
        raise StructureError(
            f"SMILES {smiles!r} could not be embedded in 3D by RDKit (ETKDG); check the structure is chemically sensible"
        )
    if optimize and AllChem.MMFFHasAllMoleculeParams(mol):
        AllChem.MMFFOptimizeMolecule(mol, maxIters=2000)
    return _structure_from_rdkit(mol, "SMILES", smiles=smiles, name=name or smiles)


def write_xyz(path: str | os.PathLike, structures: Structure | list[Structure]) -> None:
    """Write structures as (extended, for crystals) XYZ."""
    import ase.io

    if isinstance(structures, Structure):
        structures = [structures]
    ase.io.write(str(path), [s.to_ase() for s in structures], format="extxyz")
