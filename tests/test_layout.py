"""The package's layering: ``core`` is what every feature uses, so it imports none of them."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "msphub" / "core"
FEATURE_APPS = {"accounts", "people", "concerns", "enquiries", "measures", "tempcheck", "benchmarks", "demo"}


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_feature_app():
    found = [
        f"{path.relative_to(CORE.parent)} imports {module}"
        for path in sorted(CORE.rglob("*.py"))
        for module in sorted(_imported_modules(path))
        if module.split(".")[0] == "msphub"
        and len(module.split(".")) > 1
        and module.split(".")[1] in FEATURE_APPS
    ]
    assert not found, "\n".join(found)
