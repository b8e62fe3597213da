"""The package's layering, as the README describes it, checked on the source."""

import ast
from pathlib import Path

import vae_lessons

PACKAGE = Path(vae_lessons.__file__).parent
FOUNDATIONS = {"data", "models", "losses", "i18n"}
BUILT_ON_FOUNDATIONS = {"training", "checkpoints", "plotting", "widgets", "diffusion", "pretrained"}


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


def test_no_import_circles():
    """Follow every module's package imports: no module may reach itself again."""
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    graph = {m: package_imports(m) & modules for m in modules}

    def reaches(start: str, node: str, seen: set[str]) -> bool:
        for nxt in graph[node]:
            if nxt == start or (nxt not in seen and reaches(start, nxt, seen | {nxt})):
                return True
        return False

    circles = sorted(m for m in modules if reaches(m, m, {m}))
    assert not circles, f"modules on an import circle: {circles}"


def test_the_web_export_and_the_lab_server_sit_on_top():
    """web.py (the classroom page's weights) builds on the lower layers and only the CLI calls it;
    lab_server.py is JupyterLab's plug-in and imports nothing of the package."""
    assert package_imports("web") <= FOUNDATIONS | {"checkpoints", "pretrained", "diffusion", "drawing"}
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert {m for m in modules if "web" in package_imports(m)} == {"__main__"}
    assert package_imports("lab_server") == set()
    assert not any("lab_server" in package_imports(m) for m in modules)
