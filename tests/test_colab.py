"""Colab's stack (colab-constraints.txt): the package must install there without changing any
package Colab pins, and its lower bounds must be versions some test leg really runs.

The Colab leg of CI (`make test-colab`) installs the package under these constraints and runs
the tests and notebooks; these tests check the declarations themselves, offline.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
BORROWED = {"torch", "torchvision"}  # the Colab leg runs the main leg's torch (see the constraints file)


def colab_pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "colab-constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = Version(version)
    return pins


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]]


def test_the_constraints_name_their_source_and_date():
    text = (ROOT / "colab-constraints.txt").read_text()
    assert "googlecolab/backend-info" in text and re.search(r"20\d\d-\d\d-\d\d", text)
    assert {"ipywidgets", "ipython", "torch", "matplotlib", "numpy", "pillow", "anywidget"} <= set(colab_pins())


def test_colab_keeps_every_pinned_package():
    """Each requirement admits Colab's version, so `%pip install vae-lessons` changes nothing there."""
    pins = colab_pins()
    for req in requirements():
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{req.name} is not in colab-constraints.txt: add Colab's version"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"{req} would replace Colab's {name}=={pins[name]}"


def test_each_lower_bound_is_a_version_a_test_leg_runs():
    """The Colab leg installs exactly the pinned versions, so the lower bound is that pin; torch
    and torchvision are borrowed from the main leg, and their bound is Colab's own version."""
    pins = colab_pins()
    for req in requirements():
        bounds = [s for s in req.specifier if s.operator == ">="]
        assert len(bounds) == 1 and len(req.specifier) == 1, f"{req}: one lower bound, no upper bound"
        assert Version(bounds[0].version) == pins[req.name.lower().replace("_", "-")], \
            f"{req}: the bound should be the version the Colab leg runs"


def test_the_setup_cell_keeps_colabs_torch_and_widgets():
    for path in sorted((ROOT / "notebooks").glob("**/[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        pip = [line for c in cells if c["cell_type"] == "code"
               for line in "".join(c["source"]).splitlines() if "pip install" in line]
        assert pip, f"{path.name}: no Colab install line"
        for line in pip:
            assert not re.search(r"(-U\b|--upgrade|--force|torch|ipywidgets|ipython)", line), \
                f"{path.name}: {line.strip()} would change Colab's own packages"
