"""Numbers from K. T. Schütt's thesis (TU Berlin, 2018), each defined once with where it is stated.

Analyses take their defaults from here, the app and the figure scripts import
them, and the model zoo compares its cards with the reference errors.
"""

from __future__ import annotations

__all__ = [
    "ISOSURFACE_LEVEL",
    "ISOMER_FORMULA",
    "QM9_U0_MAE",
    "MP_FORMATION_MAE",
    "MD17_MAE_N1000",
    "DTNN_QM9_SPLIT",
    "SCHNET_QM9_SPLIT",
    "MP_N_TRAIN",
]

#: Level c of the isosurface sum_i |r - r_i|^-2 = c on which local chemical potentials are shown, in Å^-2
#: (Figs. 3.12-3.15, 4.10).
ISOSURFACE_LEVEL = 3.8

#: The constitutional isomers whose energy ranking Fig. 3.7 tests (6,095 of them in QM9).
ISOMER_FORMULA = "C7H10O2"

#: QM9 U0 test MAE in kcal/mol, by (architecture, T): (value, where the thesis states it).
QM9_U0_MAE: dict[tuple[str, int], tuple[float, str]] = {
    ("dtnn", 1): (1.54, "Table 3.1, N = 100k"),
    ("dtnn", 2): (0.93, "Table 3.1, N = 100k"),
    ("dtnn", 3): (0.84, "Table 3.1, N = 100k"),
    ("schnet", 2): (0.35, "sec. 4.4.1, N = 100k"),
    ("schnet", 3): (0.32, "sec. 4.4.1, N = 100k"),
    ("schnet", 6): (0.32, "Table 4.2, N = 110k"),
}

#: Materials Project formation energies: test MAE in eV/atom with 3,000 training crystals (Table 4.3).
MP_FORMATION_MAE: dict[str, float] = {
    "schnet": 0.127, "sine matrix": 0.37, "Ewald sum matrix": 0.49, "ext. Coulomb matrix": 0.64,
}

#: MD17, SchNet with N = 1,000 training frames (Tables 5.3 and 5.4): per molecule,
#: ``{"energy": (energies only, energies + forces), "forces": (energies only, energies + forces)}``,
#: energy MAE in kcal/mol and force MAE in kcal/mol/Å.
MD17_MAE_N1000: dict[str, dict[str, tuple[float, float]]] = {
    "benzene": {"energy": (1.19, 0.08), "forces": (14.12, 0.31)},
    "toluene": {"energy": (2.95, 0.12), "forces": (22.31, 0.57)},
    "malonaldehyde": {"energy": (2.03, 0.13), "forces": (20.41, 0.66)},
    "salicylic acid": {"energy": (3.27, 0.20), "forces": (23.21, 0.85)},
    "aspirin": {"energy": (4.20, 0.37), "forces": (23.54, 1.35)},
    "ethanol": {"energy": (0.93, 0.08), "forces": (6.56, 0.39)},
    "uracil": {"energy": (2.26, 0.14), "forces": (20.08, 0.56)},
    "naphthalene": {"energy": (3.58, 0.16), "forces": (25.36, 0.58)},
}

#: QM9 training and validation sizes: DTNN (sec. 3.5.1) and SchNet (sec. 4.4.1); the rest is the test set.
DTNN_QM9_SPLIT = (100_000, 1_000)
SCHNET_QM9_SPLIT = (110_000, 10_000)

#: Training crystals of Table 4.3's SchNet and baselines.
MP_N_TRAIN = 3_000
