"""The Chinese edition (中文版): one source, so it cannot drift from the English lessons.

    notebooks/NN_name.ipynb          the English lesson: the one place the code lives
    vae_lessons/translations/zh/NN_name.md   the Chinese text of each of its markdown cells
    notebooks/zh/NN_name.ipynb       generated: the English code cells + the Chinese markdown

Each entry of a translation file starts with a marker naming the English cell it translates
and a fingerprint of the English text it was made from:

    <!-- cell 3e6dfa16 · en 5f3e2a1b -->
    中文 markdown …

Commands:
    python scripts/zh_edition.py check         list every drift (CI runs it as a test)
    python scripts/zh_edition.py sync [NN …]   add entries for new English cells (English text,
                                               marked TODO) and report changed ones
    python scripts/zh_edition.py accept NN …   after revising a lesson's translation: re-stamp
                                               its fingerprints to the English text of today
    python scripts/zh_edition.py build [NN …]  write notebooks/zh/ from the two sources (outputs
                                               of unchanged code cells are kept; then run
                                               `python scripts/run_notebooks.py zh/NN` for fresh ones)

The only code difference: the setup cell asks for Chinese, `setup()` -> `setup(lang="zh")`,
which switches the package's messages, widget labels and figure text to Chinese (and on Colab
it installs a CJK font). Code holds English only: `tr("English {n}", n=...)` for printed text,
`label(...)` for figure text, `claim(condition, "English")`, `check(..., hint="English")`.
Their Chinese lives in the catalog beside the prose:

    vae_lessons/translations/zh/NN_name.json   English text -> Chinese, for the lesson's code
    vae_lessons/translations/zh/package.json   the same, for the package's own strings

`check` names every English string without its Chinese twin (lesson or module, and the
string), every f-string that cannot be looked up, and every catalog entry no code uses.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import re
import string
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
EN_DIR = ROOT / "notebooks"
ZH_DIR = ROOT / "notebooks" / "zh"
TR_DIR = ROOT / "vae_lessons" / "translations" / "zh"
MARKER = re.compile(r"^<!-- cell (\S+) · en ([0-9a-f]{8})( · TODO)? -->$", re.M)
SETUP_EN, SETUP_ZH = "setup()", 'setup(lang="zh")'
PIP = re.compile(r'^(\s*)(%pip install .*)$', re.M)
FONT = "!apt-get -qq install -y fonts-noto-cjk > /dev/null  # 图中的中文字体"


PACKAGE = ROOT / "vae_lessons"
TEXT_ARG = {"tr": 0, "label": 0, "claim": 1}  # a function that shows text -> where its English text is
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def shown_strings(source: str) -> tuple[list[str], list[str]]:
    """The English strings a piece of code shows (texts of tr/label/claim, hints of check,
    messages of an exercise's mistakes), and
    the f-strings it passes there instead (a catalog cannot look those up)."""
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))
    texts, fstrings = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        args = []
        if name in TEXT_ARG and len(node.args) > TEXT_ARG[name]:
            args.append(node.args[TEXT_ARG[name]])
        args += [k.value for k in node.keywords if k.arg == "hint"]
        args += [key for k in node.keywords if k.arg == "mistakes" and isinstance(k.value, ast.Dict)
                 for key in k.value.keys]  # Exercise(..., mistakes={"English message": wrong, ...})
        for arg in args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                texts.append(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                fstrings.append(ast.unparse(arg)[:80])
    return texts, fstrings


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def read_catalog(path: Path) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def catalog_problems(where: str, sources: list[str], catalog: dict[str, str], file: str) -> list[str]:
    """What is wrong between some code (one lesson's cells, or the package) and its catalog."""
    found, used = [], set()
    for source in sources:
        texts, fstrings = shown_strings(source)
        used.update(texts)
        found += [f"{where}: an f-string cannot be translated, use {{fields}}: {f}" for f in fstrings]
    for text in sorted(used):
        if text not in catalog:
            found.append(f"{where}: no Chinese for {text!r} (add it to {file})")
        elif fields(catalog[text]) != fields(text):
            found.append(f"{where}: the Chinese of {text!r} has fields {sorted(fields(catalog[text]))}, "
                         f"the English {sorted(fields(text))}")
    found += [f"{where}: {file} translates {t!r}, which no code shows any more" for t in sorted(catalog.keys() - used)]
    return found


def lesson_modules(lesson: str) -> list[Path]:
    """The package modules that belong to one lesson: its exercises and its figures."""
    return [PACKAGE / part / f"{lesson[3:]}.py" for part in ("exercises", "figures")
            if (PACKAGE / part / f"{lesson[3:]}.py").is_file()]


def package_problems() -> list[str]:
    """The package's own strings against package.json (a lesson's exercises and figures go
    with the lesson's catalog)."""
    own = {p for path in EN_DIR.glob("[0-9][0-9]_*.ipynb") for p in lesson_modules(path.stem)}
    sources = [p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py")) if p not in own]
    found = catalog_problems("the package", sources, read_catalog(TR_DIR / "package.json"),
                             "vae_lessons/translations/zh/package.json")
    return found


def fingerprint(text: str) -> str:
    return hashlib.sha1(text.strip().encode()).hexdigest()[:8]


def lessons(selected: list[str] | None = None) -> list[Path]:
    paths = sorted(EN_DIR.glob("[0-9][0-9]_*.ipynb"))
    return [p for p in paths if not selected or any(p.name.startswith(s) for s in selected)]


def read_translations(path: Path) -> dict[str, tuple[str, bool, str]]:
    """cell id -> (English fingerprint, TODO?, Chinese markdown)."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    marks = list(MARKER.finditer(text))
    return {m.group(1): (m.group(2), bool(m.group(3)),
                         text[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(text)].strip())
            for i, m in enumerate(marks)}


def write_translations(path: Path, entries: list[tuple[str, str, bool, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(f"<!-- cell {cid} · en {fp}{' · TODO' if todo else ''} -->\n{zh.strip()}"
                       for cid, fp, todo, zh in entries)
    path.write_text(body + "\n", encoding="utf-8")


def zh_code(source: str) -> str:
    """The Chinese edition's version of an English code cell: the same, except that the setup
    cell asks for Chinese and, on Colab, installs a font that has Chinese characters."""
    if SETUP_EN not in source:
        return source
    return PIP.sub(lambda m: f"{m.group(1)}{m.group(2)}\n{m.group(1)}{FONT}", source.replace(SETUP_EN, SETUP_ZH))


def problems() -> list[str]:
    """Every way the Chinese edition differs from the English one, one line each, naming the
    lesson and the cell. Empty when the two editions agree."""
    en_dir, zh_dir, tr_dir = EN_DIR, ZH_DIR, TR_DIR
    found = []
    for en_path in sorted(en_dir.glob("[0-9][0-9]_*.ipynb")):
        lesson = en_path.stem
        en = nbformat.read(en_path, as_version=4)
        tr = read_translations(tr_dir / f"{lesson}.md")
        zh_path = zh_dir / en_path.name
        if not zh_path.is_file():
            found.append(f"lesson {lesson}: no Chinese notebook notebooks/zh/{zh_path.name}")
            continue
        zh = nbformat.read(zh_path, as_version=4)
        en_ids = {c.get("id") for c in en.cells}
        for cid in tr.keys() - en_ids:
            found.append(f"lesson {lesson}: translation of cell {cid}, which the English lesson no longer has")
        for i, cell in enumerate(en.cells, 1):
            where = f"lesson {lesson}, cell #{i} (id {cell.get('id')}, {cell.cell_type})"
            if cell.cell_type == "markdown":
                if cell.get("id") not in tr:
                    found.append(f"{where}: no Chinese translation")
                    continue
                fp, todo, _ = tr[cell.get("id")]
                if todo:
                    found.append(f"{where}: translation still marked TODO")
                elif fp != fingerprint(cell.source):
                    found.append(f"{where}: the English text changed since it was translated")
        code = [c.source for c in en.cells if c.cell_type == "code"]
        found += [f"lesson {lesson}, code cell #{k}: Chinese in an English code cell: put it in {lesson}.json"
                  for k, source in enumerate(code, 1) if CJK.search(source)]
        modules = [p.read_text(encoding="utf-8") for p in lesson_modules(lesson)]
        found += catalog_problems(f"lesson {lesson}", code + modules, read_catalog(tr_dir / f"{lesson}.json"),
                                  f"vae_lessons/translations/zh/{lesson}.json")
        en_code = [(c.get("id"), zh_code(c.source)) for c in en.cells if c.cell_type == "code"]
        zh_code_cells = [(c.get("id"), c.source) for c in zh.cells if c.cell_type == "code"]
        if en_code != zh_code_cells:
            first = next((i for i, (a, b) in enumerate(zip(en_code, zh_code_cells)) if a != b),
                         min(len(en_code), len(zh_code_cells)))
            cid = (en_code + zh_code_cells)[first][0] if first < len(en_code) + len(zh_code_cells) else "?"
            found.append(f"lesson {lesson}: code cells differ from the English ({len(en_code)} English, "
                         f"{len(zh_code_cells)} Chinese; first difference at code cell #{first + 1}, "
                         f"id {cid}): run scripts/zh_edition.py build {lesson[:2]}")
        expected_md = [tr.get(c.get("id"), (None, None, None))[2] for c in en.cells if c.cell_type == "markdown"]
        actual_md = [c.source.strip() for c in zh.cells if c.cell_type == "markdown"]
        if expected_md != actual_md and not any(p.startswith(f"lesson {lesson}") for p in found):
            found.append(f"lesson {lesson}: notebooks/zh is older than its translation file: "
                         f"run scripts/zh_edition.py build {lesson[:2]}")
    return found + package_problems() + conflicts()


def conflicts() -> list[str]:
    """One English text, one Chinese: the same key in two catalog files must agree."""
    seen: dict[str, tuple[str, str]] = {}
    found = []
    for path in sorted(TR_DIR.glob("*.json")):
        for en, zh in read_catalog(path).items():
            if en in seen and seen[en][1] != zh:
                found.append(f"{path.name} and {seen[en][0]} translate {en!r} differently")
            seen.setdefault(en, (path.name, zh))
    return found


def sync(path: Path) -> None:
    """Add a TODO entry (English text) for each English markdown cell without one; keep order."""
    en = nbformat.read(path, as_version=4)
    tr_path = TR_DIR / f"{path.stem}.md"
    tr = read_translations(tr_path)
    entries = []
    for cell in en.cells:
        if cell.cell_type != "markdown":
            continue
        if cell.get("id") in tr:
            fp, todo, zh = tr[cell.get("id")]
            if fp != fingerprint(cell.source):
                print(f"{path.stem}: cell {cell.get('id')} changed in English: revise, then accept")
            entries.append((cell.get("id"), fp, todo, zh))
        else:
            entries.append((cell.get("id"), fingerprint(cell.source), True, cell.source))
            print(f"{path.stem}: cell {cell.get('id')} is new: translate it and remove TODO")
    write_translations(tr_path, entries)


def accept(path: Path) -> None:
    """Stamp every entry of the lesson with the fingerprint of today's English text."""
    en = nbformat.read(path, as_version=4)
    tr_path = TR_DIR / f"{path.stem}.md"
    tr = read_translations(tr_path)
    entries = [(c.get("id"), fingerprint(c.source), tr[c.get("id")][1], tr[c.get("id")][2])
               for c in en.cells if c.cell_type == "markdown" and c.get("id") in tr]
    write_translations(tr_path, entries)


def build(path: Path) -> Path:
    """notebooks/zh/<lesson>.ipynb from the English cells and the Chinese text."""
    en = nbformat.read(path, as_version=4)
    tr = read_translations(TR_DIR / f"{path.stem}.md")
    zh_path = ZH_DIR / path.name
    old = nbformat.read(zh_path, as_version=4) if zh_path.is_file() else None
    old_outputs = {(c.get("id"), c.source): c for c in old.cells if c.cell_type == "code"} if old else {}
    nb = copy.deepcopy(en)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            if cell.get("id") not in tr:
                raise SystemExit(f"{path.stem}: cell {cell.get('id')} has no translation: run sync first")
            cell.source = tr[cell.get("id")][2]
        elif cell.cell_type == "code":
            cell.source = zh_code(cell.source)
            kept = old_outputs.get((cell.get("id"), cell.source))
            cell.outputs = kept.outputs if kept is not None else []
            cell.execution_count = kept.execution_count if kept is not None else None
    if old is not None:
        nb.metadata = old.metadata
    else:
        nb.metadata.pop("widgets", None)
    ZH_DIR.mkdir(parents=True, exist_ok=True)
    tmp = zh_path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(zh_path)
    return zh_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["check", "sync", "accept", "build"])
    parser.add_argument("lessons", nargs="*", help="lesson numbers (default: all)")
    args = parser.parse_args()
    if args.command == "check":
        found = problems()
        print("\n".join(found) or "the Chinese edition matches the English one")
        return 1 if found else 0
    for path in lessons(args.lessons):
        if args.command == "sync":
            sync(path)
        elif args.command == "accept":
            accept(path)
        else:
            print(f"wrote {build(path).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
