"""Read pickled PyTorch models (SchNetPack's ``best_model``) without running code from the file.

A pickle names the Python callables it needs to rebuild its objects, and unpickling calls them: that is how a
model file can run any code. This reader resolves those names through an allow-list:

- tensors and parameters are rebuilt by PyTorch's own functions (``torch._utils._rebuild_tensor_v2``, ...), from
  the storages that ``torch.load`` reads itself;
- plain containers (``OrderedDict``, ``set``), dtypes, devices and NumPy arrays are built as such;
- every class or function of SchNetPack and of ``torch.nn`` becomes an inert :class:`Record`: its attributes are
  kept, none of its code is imported or run (SchNetPack need not be installed); so does ``functools.partial``,
  with which SchNetPack 0.3 and 1.x keep their initializers;
- any other name is refused, with the name, before anything is called.

The result is a tree of records whose attributes mirror the modules (``record.representation.interactions[0]
.filter_network``), with their parameters and buffers as tensors, from which insight builds its own model.
"""

from __future__ import annotations

import _compat_pickle
import collections
import os
import pickle
import types
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ModelFileError

__all__ = ["Record", "UnsafePickleError", "safe_load", "trusted_load", "INERT_PACKAGES"]

#: Packages whose classes and functions are read as inert records.
INERT_PACKAGES = ("schnetpack", "torch.nn")


class UnsafePickleError(ModelFileError):
    """The file asks to run something outside the allow-list; nothing from it was run."""


class Record:
    """An inert stand-in for an object of class ``path`` (``"schnetpack.representation.schnet.SchNet"``): its
    pickled attributes, reachable as attributes, submodules included (as ``torch.nn.Module`` does)."""

    path: str = ""

    def __init__(self, *args, **kwargs):  # a record "called" by the pickle (REDUCE): keep the arguments, run nothing
        self.__dict__["_args"] = args
        self.__dict__["_kwargs"] = kwargs

    def __setstate__(self, state) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots)
            state = {**(state[0] or {}), **(state[1] or {})}
        if isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self.__dict__["_state"] = state

    def __getattr__(self, name: str) -> Any:
        for group in ("_parameters", "_buffers", "_modules"):
            members = self.__dict__.get(group)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"{self.path} has no attribute {name!r}")

    @property
    def name(self) -> str:
        """The class name, e.g. ``"SchNet"``."""
        return self.path.rsplit(".", 1)[-1]

    def children(self) -> list:
        """Submodules in order (a ``ModuleList`` or ``Sequential``'s members)."""
        return list((self.__dict__.get("_modules") or {}).values())

    def __iter__(self):
        return iter(self.children())

    def __len__(self) -> int:
        return len(self.children())

    def __getitem__(self, index: int):
        return self.children()[index]

    def __repr__(self) -> str:
        return f"Record({self.path})"


_record_classes: dict[str, type] = {}


def _record_class(module: str, name: str) -> type:
    path = f"{module}.{name}"
    if path not in _record_classes:
        _record_classes[path] = type(name, (Record,), {"path": path, "__module__": __name__})
    return _record_classes[path]


def _allowed() -> dict[tuple[str, str], Any]:
    import torch._utils

    try:  # NumPy 2 (numpy.core is deprecated there)
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - NumPy 1
        from numpy.core import multiarray

    allowed: dict[tuple[str, str], Any] = {
        ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor"): torch._utils._rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): torch._utils._rebuild_parameter_with_state,
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("torch", "Size"): torch.Size,
        ("torch", "device"): torch.device,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("numpy.core.multiarray", "_reconstruct"): multiarray._reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): multiarray._reconstruct,
        ("numpy.core.multiarray", "scalar"): multiarray.scalar,
        ("numpy._core.multiarray", "scalar"): multiarray.scalar,
    }
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16,
                  torch.int32, torch.int64, torch.uint8, torch.bool, torch.complex64, torch.complex128):
        allowed[("torch", str(dtype).removeprefix("torch."))] = dtype
    return allowed


def _python3_name(module: str, name: str) -> tuple[str, str]:
    """Protocol-2 files (torch.save's default) name Python 2 modules: map them as pickle's own reader does."""
    module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _pickle_module(unpickler: type) -> types.ModuleType:
    """A "pickle module" for ``torch.load`` whose reader is ``unpickler``."""
    module = types.ModuleType(f"insight_{unpickler.__name__.strip('_').lower()}")
    module.Unpickler = unpickler
    module.load = lambda file, **kwargs: unpickler(file, **kwargs).load()
    module.__dict__["UnpicklingError"] = pickle.UnpicklingError
    return module


def _load(path: str | os.PathLike, unpickler: type) -> Any:
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", pickle_module=_pickle_module(unpickler), weights_only=False)
    except UnsafePickleError:
        raise
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    except Exception as err:  # noqa: BLE001 - any other failure: the file is not what it claims
        raise ModelFileError(f"cannot read {path} as a PyTorch model file ({type(err).__name__}: {err})") from err


class _SafeUnpickler(pickle.Unpickler):
    _table: dict | None = None

    def find_class(self, module: str, name: str):
        module, name = _python3_name(module, name)
        if _SafeUnpickler._table is None:
            _SafeUnpickler._table = _allowed()
        found = _SafeUnpickler._table.get((module, name))
        if found is not None:
            return found
        # functools.partial: SchNetPack 0.3 and 1.x keep initializers as partials (zeros_initializer); kept as a
        # record like the function it wraps, never called.
        if any(module == package or module.startswith(package + ".") for package in INERT_PACKAGES) or \
                (module, name) == ("functools", "partial"):
            return _record_class(module, name)
        raise UnsafePickleError(
            f"the file asks to run {module}.{name}, which a model file does not need; refused, and nothing from "
            "the file was run. If you trust the file, load it with trust=True (command line: --trust)")


def safe_load(path: str | os.PathLike) -> Any:
    """The pickled object of a PyTorch file as records and tensors (see the module docstring); nothing from the
    file is run. Raises :class:`UnsafePickleError` naming what it refused, :class:`ModelFileError` for a file
    that is not a PyTorch pickle."""
    return _load(path, _SafeUnpickler)


# -- trusted files -----------------------------------------------------------------------------------------------
#: What a trusted file may still not name: the standard library's modules run commands, code or I/O (os.system,
#: builtins.exec, subprocess, runpy, ...), torch's and NumPy's load, hub and compile functions unpickle, download
#: or build more code. The few standard-library names real model files need are allowed by name.
_STANDARD_LIBRARY_NEEDED = {("collections", "OrderedDict"), ("collections", "defaultdict"), ("functools", "partial"),
                            ("copyreg", "_reconstructor"), ("_codecs", "encode"), ("builtins", "set"),
                            ("builtins", "frozenset"), ("builtins", "slice"), ("builtins", "range"),
                            ("builtins", "complex"), ("builtins", "bytearray"), ("builtins", "object"),
                            ("builtins", "dict"), ("builtins", "list"), ("builtins", "tuple"), ("builtins", "int"),
                            ("builtins", "float"), ("builtins", "str"), ("builtins", "bytes"), ("builtins", "bool"),
                            ("typing", "Any")}
_NEVER = ("torch.hub", "torch.load", "torch.serialization", "torch.jit", "torch.package", "torch.utils.cpp_extension",
          "torch.compile", "torch._dynamo", "torch._inductor", "torch.ops", "torch._C._", "numpy.load",
          "numpy.testing", "numpy.distutils", "numpy.f2py", "numpy.lib.format", "numpy.ctypeslib")


def _refused_even_when_trusted(module: str, name: str) -> bool:
    import sys

    if (module, name) in _STANDARD_LIBRARY_NEEDED:
        return False
    if module.split(".")[0] in sys.stdlib_module_names or module.split(".")[0] in ("posix", "nt", "__main__"):
        return True
    qualified = f"{module}.{name}"
    return any(qualified == banned or qualified.startswith(banned + ".") or module == banned
               or module.startswith(banned + ".") for banned in _NEVER)


class _TrustedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        module, name = _python3_name(module, name)
        if _refused_even_when_trusted(module, name):
            raise UnsafePickleError(
                f"the file asks to run {module}.{name}, which no model file needs: refused even though the file "
                "is trusted, and nothing from it was run")
        return super().find_class(module, name)


def trusted_load(path: str | os.PathLike) -> Any:
    """Unpickle a file you trust with its real classes (SchNetPack's, your own): their modules are imported and
    their code runs. Still refused, by name, before anything is called: the standard library's commands, code
    and I/O (``os.system``, ``builtins.exec``, ``subprocess``, ...) and torch's and NumPy's loaders, hub and
    compilers, which no model file needs."""
    return _load(path, _TrustedUnpickler)
