"""The exceptions insight raises for bad input: one hierarchy, rooted at :class:`InsightError`.

Each subclass also derives from the built-in exception a caller would expect
(``ValueError`` for bad values, ``ImportError`` for a missing extra), so code
written against the built-ins keeps working.
"""

from __future__ import annotations

__all__ = ["InsightError", "ArgumentError", "StructureError", "ModelFileError", "DatasetError", "MissingExtraError",
           "DomainWarning", "require"]


class InsightError(Exception):
    """Base class of every error insight raises for bad input or a missing resource."""


class ArgumentError(InsightError, ValueError):
    """An argument lies outside its range (a level, a step count, an atom index, a shape, a setting's name)."""


class StructureError(InsightError, ValueError):
    """A structure is invalid (shapes, elements, cell, overlapping atoms)."""


class ModelFileError(InsightError, ValueError):
    """A model file, card or name cannot be loaded."""


class DatasetError(InsightError, ValueError):
    """A dataset is unknown, missing on this machine, or has no such property."""


class MissingExtraError(InsightError, ImportError):
    """An optional dependency is not installed; the message names the ``pip install`` to run."""


class DomainWarning(UserWarning):
    """The input lies outside what the model was trained on (a molecule for a crystal model, several molecules,
    ...): the number is computed, but means less."""


def require(module: str, extra: str, purpose: str):
    """Import ``module``, or raise :class:`MissingExtraError` naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingExtraError(
            f"{purpose} needs the Python package {module!r}, which is not installed; run "
            f"`pip install 'insight-dtnn-schnet[{extra}]'` (or `pip install {module}`)") from err
