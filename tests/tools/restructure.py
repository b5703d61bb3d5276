"""Move harrow_dash's flat modules into subpackages that show the design, in one re-runnable step.

Usage, at the repository root of a clean tree (nothing uncommitted):

    python tests/tools/restructure.py            # perform the move (git mv, rewrite, .importlinter)
    python tests/tools/restructure.py --check    # only check the table covers every module
    python tests/tools/restructure.py --contract # write .importlinter for the layout as it is now

The move, from the table ``MOVES`` below (module under ``harrow_dash`` -> its new package):

1. fails, naming them, if a top-level ``harrow_dash`` module is missing from the table (a module
   added since the table was written: add it) or a module in the table no longer exists;
2. ``git mv``s each module (``store.py`` becomes ``store/__init__.py``, so ``harrow_dash.store.Store``
   and every other ``harrow_dash.store`` name stay where callers find them) and writes each new
   package's ``__init__.py``;
3. rewrites every reference in every tracked text file: ``from harrow_dash import x`` and
   ``from harrow_dash.ingest import gss`` statements (with ``ast``), dotted names anywhere
   (``import harrow_dash.x as y``, ``from harrow_dash.x import y``, ``"harrow_dash.x.attr"`` in a
   monkeypatch, ``-m harrow_dash.x``, ``:mod:`harrow_dash.x```) and paths (``harrow_dash/x.py``);
4. writes the import-linter contract (``.importlinter``) for the new layout;
5. sorts imports and formats with ruff, then stages everything (``git add``) for one commit.

The result depends only on the tree and this file: run twice on the same tree, it gives the same
bytes. It never moves ``ui/`` or ``ingest/`` (already packages) other than the modules named.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = "harrow_dash"

# Module (dotted, under harrow_dash) -> the package it moves to ("" = stays at the top level).
# Keep each module's own name: only its package changes.
MOVES: dict[str, str] = {
    # rules/: the domain rules, pure: no database, no files, no Streamlit.
    "access": "rules",
    "action_status": "rules",
    "areas": "rules",
    "benchmarking": "rules",
    "comparator_periods": "rules",
    "corrective_status": "rules",
    "disclosure": "rules",
    "filters": "rules",
    "ingest.gss": "rules",
    "movements": "rules",
    "periods": "rules",
    "plan": "rules",
    "rag": "rules",
    "scope": "rules",
    "scorecard": "rules",
    "suppression": "rules",
    "travel": "rules",
    "units": "rules",
    "value_states": "rules",
    # formats/: text and file formats every layer writes with, importing nothing of ours.
    "csv_text": "formats",
    "ods": "formats",
    "spreadsheet_safe": "formats",
    "textsafe": "formats",
    # store/: the database: schema, the Store's queries, publication, published definitions,
    # the data version and counts, and what a person is told when the database fails.
    "comparator_index": "store",
    "corrective_actions": "store",
    "failures": "store",
    "packed_read": "store",
    "packed_series": "store",
    "published_definitions": "store",
    "publishing": "store",
    "quarter_counts": "store",
    "quarters": "store",
    "revision_rule": "store",
    "schema": "store",
    "schema_upgrade": "store",
    "store": "store",  # store.py becomes store/__init__.py
    # ingest/: reading files into the store (the package exists; this joins it).
    "corrective_entry": "ingest",
    # outputs/: what the dashboard shows and hands out, built without Streamlit.
    "briefing": "outputs",
    "charts": "outputs",
    "comparison_charts": "outputs",
    "comparisons": "outputs",
    "download_cells": "outputs",
    "explore": "outputs",
    "export_files": "outputs",
    "exports": "outputs",
    "follow_up": "outputs",
    "html_table": "outputs",
    "open_data": "outputs",
    "palette": "outputs",
    "rag_key": "outputs",
    "revisions": "outputs",
    "slides": "outputs",
    "standings_strip": "outputs",
    "timeline_grid": "outputs",
    "views": "outputs",
    # The top level: the command, start-up checks, settings, process memory settings.
    "cli": "",
    "config": "",
    "process_memory": "",
    "startup": "",
}

# The docstring of each package the move creates (store/ keeps store.py's own docstring).
PACKAGE_DOCS: dict[str, str] = {
    "rules": (
        "The domain rules, pure: periods, RAG, direction of travel, suppression, disclosure, units,\n"
        "filters and the corporate plan. No database, no files, no Streamlit: every layer above\n"
        "applies these, so each rule lives in one function."
    ),
    "formats": (
        "Text and file formats, importing nothing of ours: text shown safely (never as Markdown or\n"
        "HTML), CSV text, OpenDocument spreadsheets, and cells made safe for a spreadsheet program."
    ),
    "outputs": (
        "What the dashboard shows and hands out, built without Streamlit: what each page shows,\n"
        "charts, HTML tables, comparisons, exports, open data, the briefing pack and the slides."
    ),
}

# The layers, highest first; "|" separates independent siblings. Lower layers never import
# higher ones. Outputs sit above ingest because the exports use the file formats' headings (an
# export loads back unchanged); nothing in ingest writes an output.
LAYERS: list[list[str]] = [
    ["cli"],
    ["startup", "ui"],
    ["outputs"],
    ["ingest"],
    ["store"],
    ["rules"],
    ["formats", "config", "process_memory"],
]
# Existing packages that are a layer of their own before and after the move.
PACKAGES = ("ui", "ingest")

# Files whose text is never rewritten: this table, and data files.
SKIP_PREFIXES = ("tests/tools/restructure.py", "data/")
ROOT = Path(__file__).resolve().parents[2]


def fail(message: str, items: list[str] | None = None) -> None:
    print(f"restructure: {message}", file=sys.stderr)
    for item in items or []:
        print(f"  {item}", file=sys.stderr)
    raise SystemExit(1)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def moved_layout() -> bool:
    return (ROOT / PACKAGE / "rules").is_dir()


def top_modules() -> list[str]:
    """The flat modules at the top of the package (``harrow_dash/*.py`` but ``__init__``)."""
    return sorted(p.stem for p in (ROOT / PACKAGE).glob("*.py") if p.stem != "__init__")


def relative_imports() -> list[str]:
    """Relative imports in the package (the rewrite handles absolute imports only)."""
    found = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def check_table() -> None:
    """Every top-level module is in the table, every module in the table exists, and no module
    imports relatively."""
    relative = relative_imports()
    if relative:
        fail("relative imports (write them as absolute imports first):", relative)
    unknown = [m for m in top_modules() if m not in MOVES]
    missing = [m for m in MOVES if not (ROOT / PACKAGE / (m.replace(".", "/") + ".py")).is_file()]
    if unknown or missing:
        items = [f"harrow_dash/{m}.py: not in MOVES (add it to a package)" for m in unknown]
        items += [
            f"{m}: in MOVES but harrow_dash/{m.replace('.', '/')}.py is gone" for m in missing
        ]
        fail("the table in tests/tools/restructure.py does not match harrow_dash/:", items)


def new_name(old: str) -> str:
    """The dotted name (under harrow_dash) a module in the table moves to."""
    package = MOVES[old]
    leaf = old.rpartition(".")[2]
    if not package or old == package:
        return old
    return f"{package}.{leaf}"


def new_path(old: str) -> str:
    if old == "store":
        return f"{PACKAGE}/store/__init__.py"
    return f"{PACKAGE}/{new_name(old).replace('.', '/')}.py"


# -- the contract ---------------------------------------------------------------------------------


def contract(moved: bool) -> str:
    """The import-linter configuration for the layout, flat (before the move) or moved."""
    if moved:
        layer_lines = [" | ".join(layer) for layer in LAYERS]
        top = [m for layer in LAYERS for m in layer]
        ignores: list[str] = []
    else:
        members: dict[str, list[str]] = {}
        for module, package in MOVES.items():
            if "." in module:
                continue  # a module inside a package (ingest.gss) is checked with its package
            members.setdefault(package or module, []).append(module)
        layer_lines = []
        for layer in LAYERS:
            groups = [
                sorted(set(members.get(name, [])) | ({name} if name in PACKAGES else set()))
                for name in layer
            ]
            names = [n for group in groups for n in group]
            independent = all(len(group) == 1 for group in groups)
            layer_lines.append((" | " if independent else " : ").join(names))
        top = [n for line in layer_lines for n in re.split(r" [|:] ", line)]
        # ingest/gss.py is a rule that sits in ingest/ until the move takes it to rules/.
        ignores = [f"{PACKAGE}.* -> {PACKAGE}.ingest.gss"]
    non_ui = sorted(n for n in top if n != "ui")
    lines = [
        "# The import layers of harrow_dash, checked by `lint-imports` (make lint,",
        "# tests/test_import_layers.py). Written by tests/tools/restructure.py from its table:",
        "# change the table there, then run it with --contract.",
        "[importlinter]",
        f"root_package = {PACKAGE}",
        "include_external_packages = True",
        "",
        "[importlinter:contract:layers]",
        "name = Layers: lower layers never import higher ones",
        "type = layers",
        f"containers = {PACKAGE}",
        "exhaustive = True",
        "layers =",
        *(f"    {line}" for line in layer_lines),
    ]
    if ignores:
        lines += ["ignore_imports =", *(f"    {i}" for i in ignores)]
    lines += [
        "",
        "[importlinter:contract:streamlit]",
        "name = Streamlit only in harrow_dash.ui (functional core, thin UI)",
        "type = forbidden",
        "source_modules =",
        *(f"    {PACKAGE}.{n}" for n in non_ui),
        "forbidden_modules =",
        "    streamlit",
    ]
    return "\n".join(lines) + "\n"


# -- rewriting references -------------------------------------------------------------------------


def _dotted_pattern() -> re.Pattern[str]:
    olds = sorted((m for m in MOVES if new_name(m) != m), key=lambda m: (-len(m), m))
    return re.compile(rf"(?<![\w.]){PACKAGE}\.({'|'.join(re.escape(m) for m in olds)})(?!\w)")


def _path_pattern() -> re.Pattern[str]:
    olds = sorted(
        (m for m in MOVES if new_path(m) != f"{PACKAGE}/{m.replace('.', '/')}.py"),
        key=lambda m: (-len(m), m),
    )
    alternatives = "|".join(re.escape(m.replace(".", "/")) for m in olds)
    return re.compile(rf"(?<![\w/.]){PACKAGE}/({alternatives})\.py(?![\w])")


def rewrite_from_imports(text: str) -> str:
    """``from harrow_dash import a, b`` and ``from harrow_dash.ingest import gss``: each name
    imported from its new package (one statement per package, in the order first named)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        if node.module != PACKAGE and not node.module.startswith(PACKAGE + "."):
            continue
        base = node.module[len(PACKAGE) + 1 :] if node.module != PACKAGE else ""
        groups: dict[str, list[str]] = {}
        changed = False
        for alias in node.names:
            old = f"{base}.{alias.name}" if base else alias.name
            source = node.module
            if old in MOVES and new_name(old) != old:
                source = f"{PACKAGE}.{new_name(old).rpartition('.')[0]}"
                changed = True
            groups.setdefault(source, []).append(
                alias.name + (f" as {alias.asname}" if alias.asname else "")
            )
        if not changed:
            continue
        first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        before = lines[first][: node.col_offset]
        after = lines[last][node.end_col_offset :] if node.end_col_offset is not None else "\n"
        if before.strip() or after.strip().split("#")[0].strip():
            fail(f"an import shares its line with other code: {lines[first].strip()}")
        comment = after.strip()
        indent = " " * node.col_offset
        new = [f"from {module} import {', '.join(names)}" for module, names in groups.items()]
        body = f"\n{indent}".join(new)
        edits.append((first, last, f"{before}{body}{'  ' + comment if comment else ''}\n"))
    for first, last, replacement in sorted(edits, reverse=True):
        lines[first : last + 1] = [replacement]
    return "".join(lines)


def rewrite_text(text: str, is_python: bool) -> str:
    if is_python:
        text = rewrite_from_imports(text)
    dotted = _dotted_pattern()
    text = dotted.sub(lambda m: f"{PACKAGE}.{new_name(m.group(1))}", text)
    paths = _path_pattern()
    return paths.sub(lambda m: new_path(m.group(1).replace("/", ".")), text)


def tracked_text_files() -> list[Path]:
    out = []
    for name in sorted(git("ls-files", "-z").split("\0")):
        if not name or name.startswith(SKIP_PREFIXES):
            continue
        path = ROOT / name
        if path.is_file() and not path.is_symlink():
            out.append(path)
    return out


# -- the move -------------------------------------------------------------------------------------


def move() -> None:
    if git("status", "--porcelain").strip():
        fail("the tree has uncommitted changes: commit or stash them first")
    if moved_layout():
        fail("harrow_dash/rules/ exists: the move has been made already")
    check_table()
    packages = sorted({p for p in MOVES.values() if p and p not in PACKAGES})
    for package in packages:
        (ROOT / PACKAGE / package).mkdir(exist_ok=True)
    git("mv", f"{PACKAGE}/store.py", f"{PACKAGE}/store/__init__.py")
    for old in sorted(MOVES):
        if old == "store" or new_name(old) == old:
            continue
        git("mv", f"{PACKAGE}/{old.replace('.', '/')}.py", new_path(old))
    for package, doc in sorted(PACKAGE_DOCS.items()):
        init = ROOT / PACKAGE / package / "__init__.py"
        init.write_text(f'"""{doc}\n"""\n', encoding="utf-8")
        git("add", str(init.relative_to(ROOT)))
    changed = 0
    for path in tracked_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        new = rewrite_text(text, path.suffix == ".py")
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    (ROOT / ".importlinter").write_text(contract(moved=True), encoding="utf-8")
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run(
        [*ruff, "check", "--fix", "--select", "I", "--quiet", "."], cwd=ROOT, check=False
    )
    subprocess.run([*ruff, "format", "--quiet", "."], cwd=ROOT, check=True)
    git("add", "-A", PACKAGE, ".importlinter")
    git("add", "-u")
    moved = sum(1 for m in MOVES if new_name(m) != m)
    print(f"restructure: moved {moved + 1} modules, rewrote references in {changed} files.")
    print("Next: ruff check . && ruff format --check . && mypy && lint-imports, then the tests.")


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if moved_layout():
            print("restructure: the move has been made")
            return 0
        check_table()
        print("restructure: the table covers every module")
        return 0
    if "--contract" in argv:
        (ROOT / ".importlinter").write_text(contract(moved_layout()), encoding="utf-8")
        print("restructure: wrote .importlinter")
        return 0
    move()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
