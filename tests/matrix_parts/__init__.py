"""Parts of the permission matrix (tests/test_permission_matrix.py), one module a feature.

Each module has ``extend_world(w)``, which adds its records to the matrix's world (built once for the
module, with the services), and ``cases(w) -> list[Case]``, the rows for its URLs. They import the
matrix's helpers (``matrix``, ``get_and_post``, the persona names) from tests.test_permission_matrix,
which loads them when it builds the world and the cases.
"""

import importlib
import pkgutil
from types import ModuleType


def parts() -> list[ModuleType]:
    """Every part, in name order."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    ]
