"""The package's layering, as the README describes it, checked on the source.

Two tiers. What the lessons teach: the foundations (data, models, losses, i18n) and what is
built on them (training, the mini Stable Diffusion in diffusion/). Support: everything that
shows, checks or stores (plotting, widgets, drawing, lesson, exercises/, figures/, checkpoints,
pretrained, web, lab_server, the CLI). Teaching code never imports support code, so a reader
can read the maths without the machinery; and the package reads in one sitting: no module over
300 non-blank lines, no function over 50.
"""

import ast
import sys
import tomllib
from pathlib import Path

import vae_lessons

PACKAGE = Path(vae_lessons.__file__).parent
FOUNDATIONS = {"data", "models", "losses", "i18n"}
TEACHING = FOUNDATIONS | {"training", "diffusion"}
SUPPORT = {"plotting", "widgets", "drawing", "lesson", "exercises", "figures", "checkpoints",
           "pretrained", "web", "lab_server", "sd_vae", "__main__"}


def modules() -> dict[str, list[Path]]:
    """Top-level module name -> its files (a subpackage has several)."""
    found = {p.stem: [p] for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    found |= {d.name: sorted(d.rglob("*.py")) for d in PACKAGE.iterdir() if (d / "__init__.py").is_file()}
    return found


def package_imports(module: str) -> set[str]:
    """The top-level package modules that `module` (all its files) imports."""
    found = set()
    for path in modules()[module]:
        depth = len(path.relative_to(PACKAGE).parts) - 1  # 0 for vae_lessons/x.py, 1 inside a subpackage
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level > depth:
                found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vae_lessons."):
                found.add(node.module.split(".")[1])
    return found - {"__version__", module}


def test_every_module_is_in_a_tier():
    assert set(modules()) == TEACHING | SUPPORT, set(modules()) ^ (TEACHING | SUPPORT)


def test_foundations_import_nothing_of_the_package():
    for module in FOUNDATIONS:
        assert package_imports(module) == set(), module


def test_teaching_code_never_imports_support_code():
    for module in TEACHING:
        assert package_imports(module) <= TEACHING, (module, package_imports(module) - TEACHING)


def test_no_import_circles():
    """Follow every module's package imports: no module may reach itself again."""
    graph = {m: package_imports(m) & set(modules()) for m in modules()}

    def reaches(start: str, node: str, seen: set[str]) -> bool:
        for nxt in graph[node]:
            if nxt == start or (nxt not in seen and reaches(start, nxt, seen | {nxt})):
                return True
        return False

    circles = sorted(m for m in graph if reaches(m, m, {m}))
    assert not circles, f"modules on an import circle: {circles}"


def test_the_web_export_and_the_lab_server_sit_on_top():
    """web.py (the classroom page's weights) only the CLI calls; lab_server.py is JupyterLab's
    plug-in and imports nothing of the package."""
    assert {m for m in modules() if "web" in package_imports(m)} == {"__main__"}
    assert package_imports("lab_server") == set()
    assert not any("lab_server" in package_imports(m) for m in modules())


def test_the_package_reads_in_one_sitting():
    too_long = []
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text()
        lines = sum(1 for line in source.splitlines() if line.strip())
        if lines > 300:
            too_long.append(f"{path.relative_to(PACKAGE)}: {lines} non-blank lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 50:
                too_long.append(f"{path.relative_to(PACKAGE)}: {node.name} is {node.end_lineno - node.lineno + 1} lines")
    assert not too_long, "\n".join(too_long)


def test_each_teaching_module_names_the_lesson_that_teaches_it():
    for module in TEACHING - {"i18n"}:
        doc = ast.get_docstring(ast.parse(modules()[module][0].read_text())) or ""
        assert "lesson" in doc.lower(), f"{module}: its docstring should say which lesson teaches it"


# Import name -> the distribution that provides it, where the two differ.
DISTRIBUTION = {"PIL": "pillow", "IPython": "ipython", "jupyter_server": "jupyter-server"}


def test_every_import_is_a_declared_dependency():
    """A third-party import is a dependency in pyproject.toml, or an optional one (an extra)."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    declared = {r.split(">")[0].split("=")[0].strip().lower().replace("_", "-")
                for r in project["dependencies"] + sum(project.get("optional-dependencies", {}).values(), [])}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("__future__", "vae_lessons"):
                    continue
                dist = DISTRIBUTION.get(top, top).lower().replace("_", "-")
                assert dist in declared, f"{path.name} imports {top}, which pyproject.toml does not declare"


def test_an_install_carries_every_subpackage_and_catalog():
    """Colab installs the package from git: every subpackage, weight file and catalog must be in it."""
    from setuptools import find_packages

    setuptools = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set(find_packages(PACKAGE.parent, **setuptools["packages"]["find"]))
    assert found == {"vae_lessons"} | {f"vae_lessons.{d.name}" for d in PACKAGE.iterdir() if (d / "__init__.py").is_file()}
    patterns = setuptools["package-data"]["vae_lessons"]
    data = [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in (".pt", ".md", ".json", ".js")]
    missing = [p for p in data if not any(p.relative_to(PACKAGE).match(pattern) for pattern in patterns)]
    assert not missing, missing
