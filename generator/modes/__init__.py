"""Figure modes, one module each; importing this package registers them all in MODES."""

import importlib
import pkgutil

from generator.modes.base import MODES, Mode, Result, register
from generator.params import Param


for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "common", "runtime"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["MODES", "Mode", "Param", "Result", "register"]
