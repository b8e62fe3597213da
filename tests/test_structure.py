"""The package's layering, as the README describes it, checked on the source."""

import ast
from pathlib import Path

import vae_lessons

PACKAGE = Path(vae_lessons.__file__).parent
FOUNDATIONS = {"data", "models", "losses"}
BUILT_ON_FOUNDATIONS = {"training", "checkpoints", "plotting", "widgets", "diffusion"}


def package_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vae_lessons."):
            found.add(node.module.split(".")[1])
    return found - {"__version__"}


def test_foundations_import_nothing_of_the_package():
    for module in FOUNDATIONS:
        assert package_imports(module) == set(), module


def test_middle_layer_never_imports_the_cli_or_lesson_helpers():
    for module in BUILT_ON_FOUNDATIONS:
        if (PACKAGE / f"{module}.py").exists():
            assert not package_imports(module) & {"__main__", "lesson"}, module
