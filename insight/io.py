"""Reading structures: XYZ / extended XYZ, SDF / MOL, CIF, and SMILES.

All formats go through :func:`read` (a path) or :func:`parse` (text already in
memory, e.g. an upload), dispatched on the format name or file extension.
Readers raise :class:`StructureFileError` naming the source and, where the
format allows, the line.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import logging
import os
import stat
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .errors import ArgumentError
from .structures import Structure, StructureError, atomic_number

__all__ = ["StructureFileError", "read", "parse", "from_smiles", "write_xyz", "writable_path", "format_structure",
           "FORMATS"]


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
            f"{source}: has only 2D coordinates; the models need a 3D geometry "
            "(give 3D coordinates, or a SMILES to embed)"
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
    for atoms in images:
        partial = {site: occupancy for site, occupancy in (atoms.info.get("occupancy") or {}).items()
                   if len(occupancy) > 1 or any(value < 0.999 for value in occupancy.values())}
        if partial:
            site, occupancy = next(iter(partial.items()))
            shares = ", ".join(f"{element} {value:g}" for element, value in occupancy.items())
            raise StructureFileError(
                f"{source}: {len(partial)} site(s) are partly occupied (e.g. site {site}: {shares}); the models "
                "describe ordered crystals: give one element per site with full occupancy (an ordered supercell)")
        if atoms.cell.volume < 1e-6:
            raise StructureFileError(f"{source}: the cell has zero volume; check _cell_length_a/b/c and the angles")
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


#: Largest structure file :func:`read` accepts (bytes); larger ones are refused before reading.
MAX_FILE_BYTES = 50 * 1024 * 1024


def _read_bounded(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (FIFOs, devices and folders are refused)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        info = path.stat()
    except FileNotFoundError:
        raise StructureFileError(f"{path}: no such file") from None
    except OSError as err:
        raise StructureFileError(f"{str(path)[:120]}: cannot be read ({err.strerror or err})") from None
    if stat.S_ISDIR(info.st_mode):
        raise StructureFileError(f"{path}: is a folder; give a structure file (XYZ, SDF, MOL, CIF)")
    if not stat.S_ISREG(info.st_mode):
        raise StructureFileError(f"{path}: is not a regular file (a pipe or a device); save the structure to a file")
    if info.st_size > limit:
        raise StructureFileError(f"{path}: {info.st_size / 2**20:.0f} MB is larger than the {limit / 2**20:.0f} MB "
                                 "insight reads (insight.io.MAX_FILE_BYTES)")
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)[:limit]
    except OSError as err:
        raise StructureFileError(f"{path}: cannot be read ({err.strerror or err})") from None


def decode_text(raw: bytes, source: str) -> str:
    """Text of a structure file: UTF-8 (with or without a byte-order mark) or UTF-16 (with one)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise StructureFileError(f"{source}: not UTF-8 or UTF-16 text (byte {err.start}); structure files are text "
                                 "(XYZ, SDF, MOL, CIF)") from None


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
    if not isinstance(path, (str, os.PathLike)):
        raise StructureFileError(f"a file path is needed, got {path!r}")
    path = Path(path)
    with contextlib.suppress(OSError):  # a name too long to look up is reported by the bounded read below
        if path.is_dir():
            raise StructureFileError(f"{path}: is a folder; give a structure file (XYZ, SDF, MOL, CIF)")
    fmt = _format_of(path.name, format)
    text = decode_text(_read_bounded(path), str(path))
    structures = parse(text, fmt, source=str(path))
    if index is None:
        return structures
    if isinstance(index, slice):
        return structures[index]
    try:
        return structures[index]
    except IndexError:
        raise StructureFileError(f"{path}: asked for structure {index} but it holds {len(structures)}") from None


#: Largest molecule :func:`from_smiles` embeds (heavy atoms), and the time RDKit may take per attempt (s).
MAX_SMILES_HEAVY_ATOMS = 150
EMBED_TIMEOUT_SECONDS = 30


def from_smiles(smiles: str, seed: int = 42, optimize: bool = True, name: str | None = None,
                max_heavy_atoms: int | None = None) -> Structure:
    """A 3D molecule from SMILES: RDKit ETKDG embedding, then an MMFF94 relaxation.

    Parameters
    ----------
    smiles
        The SMILES string; hydrogens are added. Several molecules (``"CCO.O"``) are embedded one by one and
        set side by side, 4 Å apart, never on top of each other.
    seed
        Random seed of the embedding (the same seed gives the same geometry).
    optimize
        Relax with MMFF94 after embedding (skipped when MMFF has no parameters).
    max_heavy_atoms
        Refuse larger molecules (default :data:`MAX_SMILES_HEAVY_ATOMS`); embedding is bounded in time as well.

    Raises
    ------
    StructureError
        Unparsable SMILES, too large, charged or radical molecules (the models describe neutral closed-shell
        molecules), or no 3D embedding found in time.
    """
    from rdkit import Chem

    if not isinstance(smiles, str) or not smiles.strip():
        raise StructureError(f"a SMILES string is needed, e.g. 'CCO', got {smiles!r}")
    with _rdkit_messages() as messages:
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        reason = "; ".join(messages) or "invalid syntax"
        raise StructureError(f"SMILES {smiles!r} could not be parsed: {reason}")
    limit = MAX_SMILES_HEAVY_ATOMS if max_heavy_atoms is None else max_heavy_atoms
    if mol.GetNumHeavyAtoms() > limit:
        raise StructureError(f"SMILES {smiles[:60]!r} has {mol.GetNumHeavyAtoms()} heavy atoms, more than {limit}: "
                             "the models were trained on small molecules; raise max_heavy_atoms to embed it anyway")
    if any(atom.GetAtomicNum() == 0 for atom in mol.GetAtoms()):
        raise StructureError(f"SMILES {smiles!r} contains dummy atoms ('*'); give real elements only")
    charge = Chem.GetFormalCharge(mol)
    radicals = sum(atom.GetNumRadicalElectrons() for atom in mol.GetAtoms())
    if charge or radicals:
        what = f"a net charge of {charge:+d}" if charge else f"{radicals} unpaired electron(s)"
        raise StructureError(f"SMILES {smiles!r} has {what}; insight's models describe neutral closed-shell "
                             "molecules and would ignore it. Give the neutral molecule")
    fragments = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=True)
    numbers, positions, right_edge = [], [], None
    for fragment in fragments:
        embedded = _embed(Chem.AddHs(fragment), smiles, seed, optimize)
        xyz = embedded.GetConformer().GetPositions()
        if right_edge is not None:  # next to the previous fragment, 4 Å between their closest faces
            xyz = xyz + np.array([right_edge + 4.0 - xyz[:, 0].min(), 0.0, 0.0])
        right_edge = float(xyz[:, 0].max())
        numbers += [atom.GetAtomicNum() for atom in embedded.GetAtoms()]
        positions.append(xyz)
    return Structure(numbers, np.concatenate(positions),
                     info={"name": name or smiles, "source": "SMILES", "smiles": smiles})


def _embed(mol, smiles: str, seed: int, optimize: bool):
    """``mol`` (with hydrogens) embedded in 3D by ETKDG, bounded in time, then relaxed with MMFF94."""
    from rdkit.Chem import AllChem

    params = AllChem.ETKDGv3()
    params.randomSeed = int(seed)
    params.timeout = EMBED_TIMEOUT_SECONDS
    with _rdkit_messages():
        status = AllChem.EmbedMolecule(mol, params)
        if status != 0:
            params.useRandomCoords = True
            status = AllChem.EmbedMolecule(mol, params)
    if status != 0:
        raise StructureError(
            f"SMILES {smiles!r} could not be embedded in 3D by RDKit (ETKDG) within {EMBED_TIMEOUT_SECONDS} s; "
            "check the structure is chemically sensible")
    if optimize and AllChem.MMFFHasAllMoleculeParams(mol):
        AllChem.MMFFOptimizeMolecule(mol, maxIters=2000)
    return mol


def writable_path(path: str | os.PathLike) -> Path:
    """``path`` as a Path in an existing folder, or an error that says what to create."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ArgumentError(f"cannot write {path}: the folder {path.parent} does not exist; create it first")
    if path.is_dir():
        raise ArgumentError(f"cannot write {path}: it is a folder; give a file name")
    return path


#: Formats :func:`format_structure` writes.
WRITE_FORMATS = ("xyz", "extxyz", "cif")


def format_structure(structure: Structure, fmt: str = "xyz") -> str:
    """A structure as the text of an XYZ, extended XYZ or CIF file (a molecule in CIF gets no cell, so refused)."""
    import ase.io

    if fmt not in WRITE_FORMATS:
        raise ArgumentError(f"cannot write format {fmt!r}; insight writes {', '.join(WRITE_FORMATS)}")
    if fmt == "cif" and not structure.is_periodic:
        raise StructureError("a CIF file describes a crystal; write a molecule as xyz or extxyz")
    buffer = io.BytesIO() if fmt == "cif" else io.StringIO()  # ASE's CIF writer writes bytes, extxyz text
    ase.io.write(buffer, structure.to_ase(), format="extxyz" if fmt != "cif" else "cif")
    text = buffer.getvalue().decode() if fmt == "cif" else buffer.getvalue()
    if fmt == "xyz":  # plain XYZ: count, a comment, symbols and Cartesian coordinates in Å
        lines = [f"{len(structure)}", str(structure.info.get("name") or structure.formula)]
        lines += [f"{s} {x:.8f} {y:.8f} {z:.8f}" for s, (x, y, z) in zip(structure.symbols, structure.positions)]
        text = "\n".join(lines) + "\n"
    return text


def write_xyz(path: str | os.PathLike, structures: Structure | list[Structure]) -> None:
    """Write structures as (extended, for crystals) XYZ."""
    import ase.io

    path = writable_path(path)
    if isinstance(structures, Structure):
        structures = [structures]
    ase.io.write(str(path), [s.to_ase() for s in structures], format="extxyz")
