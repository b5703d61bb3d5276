"""The README is a short front door and the manual in docs/ says what the code does.

Checked here: the README's size; every docs page is linked from it; every relative link, image and
anchor in the README and docs/ resolves; the README's settings table against harrow_dash/config.py;
the deployment's settings table (names and defaults) against deploy/compose.yaml; every ``make`` target and ``harrow-dash``
subcommand (and option) the docs name exists; every subcommand is documented; every file type and
layout the importer reads is documented; every HARROW_DASH_ variable the docs name is read somewhere; every repository path, file name and
``harrow_dash`` module or function the docs name exists (so a moved module shows here).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from harrow_dash import config
from harrow_dash.cli import build_parser
from harrow_dash.ingest import readers
from harrow_dash.ingest.headings import LAYOUT_NAMES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
MARKDOWN = [README, *PAGES]

README_MAX_BYTES = 8 * 1024
IMAGE_MAX_BYTES = 300 * 1024


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _without_code(text: str) -> str:
    """The text with fenced blocks and inline code taken out (no links are read from code)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _code(text: str) -> list[str]:
    """Every line of a fenced block and every inline code span."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    lines = [line for block in fenced for line in block.splitlines()]
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return lines + re.findall(r"`([^`\n]+)`", prose)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings, numbered as GitHub numbers repeats."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for m in re.finditer(
        r"^#{1,6} +(.+?) *#*$",
        re.sub(r"^```.*?^```", "", _text(path), flags=re.S | re.M),
        flags=re.M,
    ):
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(path: Path) -> list[tuple[str, str]]:
    """Every link and image target in a Markdown file outside code, with its text."""
    return re.findall(r"!?\[([^\]]*)\]\(([^)\s]+)\)", _without_code(_text(path)), flags=re.S)


def _relative(target: str) -> bool:
    return not re.match(r"[a-z][a-z0-9+.-]*:", target, flags=re.I)


def test_readme_is_under_8_kb() -> None:
    assert README.stat().st_size < README_MAX_BYTES, f"README.md is {README.stat().st_size} bytes"


def test_the_readme_says_the_two_commands_first() -> None:
    text = _text(README)
    first_heading = re.search(r"^## (.+)$", text, flags=re.M)
    assert first_heading and first_heading.group(1) == "The two commands"
    block = re.search(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)
    assert block, "the README shows the two commands in a sh block"
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert commands == ["make run", "make test"]


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {
        (README.parent / target.split("#")[0]).resolve()
        for _, target in links(README)
        if _relative(target) and target.split("#")[0]
    }
    assert PAGES, "docs/ holds the manual"
    missing = [p.name for p in PAGES if p.resolve() not in linked]
    assert not missing, f"docs pages the README does not link: {missing}"


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(path: Path) -> None:
    broken = []
    for _, target in links(path):
        if not _relative(target):
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path.resolve()
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with that anchor in {resolved.name}")
    assert not broken, broken


def test_images_have_alt_text_and_are_small() -> None:
    images = [
        (alt, target, path)
        for path in MARKDOWN
        for alt, target in re.findall(r"!\[([^\]]*)\]\(([^)\s]+)\)", _without_code(_text(path)))
    ]
    assert any(t.endswith("overview.png") for _, t, _ in images), "the README shows the Overview"
    for alt, target, path in images:
        assert len(" ".join(alt.split())) >= 40, f"{target} needs alt text that says what it shows"
        size = (path.parent / target).stat().st_size
        assert size < IMAGE_MAX_BYTES, f"{target} is {size} bytes"


# -- settings ---------------------------------------------------------------------------------------


def _settings_table() -> dict[str, tuple[str, str]]:
    """The README's settings table: environment variable -> (secrets key, default)."""
    section = _text(README).split("## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 4 or not cells[0].startswith("`HARROW"):
            continue
        rows[cells[0].strip("`")] = (cells[1].strip("`"), cells[2].strip("`"))
    return rows


def _settings_in_code() -> dict[str, tuple[str | None, object]]:
    """Every setting harrow_dash/config.py reads: environment variable -> (secrets key or None, the
    default as written in the code, or None where it is not a literal)."""
    tree = ast.parse(inspect.getsource(config))
    found: dict[str, tuple[str | None, object]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Constant) and str(first.value).startswith("HARROW_DASH_")):
            continue
        if name == "pick":
            key, default = node.args[1], node.args[2]
            assert isinstance(key, ast.Constant)
            try:
                value: object = ast.literal_eval(default)
            except ValueError:
                value = None  # an expression (the database's path)
            found[str(first.value)] = (str(key.value), value)
        elif name == "get":
            found.setdefault(str(first.value), (None, None))
    return found


def _written(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == ():
        return "none"
    return str(value)


def test_the_settings_table_is_every_setting_the_code_reads() -> None:
    table = _settings_table()
    code = _settings_in_code()
    assert len(code) >= 8, code
    assert set(table) == set(code), (
        f"in the code, not the README: {set(code) - set(table)}; "
        f"in the README, not the code: {set(table) - set(code)}"
    )
    for env, (key, _) in code.items():
        assert table[env][0] == (key if key else "(not applicable)"), env


def test_the_settings_table_gives_the_code_s_defaults() -> None:
    table = _settings_table()
    for env, (_, default) in _settings_in_code().items():
        if default is not None:
            written = table[env][1]
            assert written == _written(default), f"{env}: README {written!r}, code {default!r}"
    db = config.DEFAULT_DB_PATH.relative_to(config.REPO_ROOT).as_posix()
    assert table["HARROW_DASH_DATABASE_URL"][1] == f"duckdb:///<repo>/{db}"
    secrets = config.SECRETS_PATH.relative_to(config.REPO_ROOT).as_posix()
    assert table["HARROW_DASH_SECRETS"][1] == secrets


def _deployment_table() -> dict[str, str]:
    """The deployment page's settings table: variable -> default as written."""
    section = _text(DOCS / "deployment.md").split("## Deploying for a council", 1)[1]
    rows = re.findall(r"^\| `(HARROW_DASH_[A-Z_]+)` \| ([^|]*) \|", section, flags=re.M)
    return {name: default.strip().strip("`") for name, default in rows}


def test_the_deployment_settings_table_is_every_variable_compose_reads() -> None:
    compose = _text(ROOT / "deploy" / "compose.yaml")
    used = dict(re.findall(r"\$\{(HARROW_DASH_[A-Z_]+):-([^}]*)\}", compose))
    documented = _deployment_table()
    assert used, "deploy/compose.yaml reads its settings from the environment"
    assert set(used) == set(documented), (set(used) - set(documented), set(documented) - set(used))
    for name, default in used.items():
        expected = "empty" if default == "" else re.sub(r"^\./", "deploy/", default)
        assert documented[name] == expected, (
            f"{name}: docs {documented[name]!r}, compose {default!r}"
        )


# -- make targets, commands, file types -------------------------------------------------------------


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):(?!=)", _text(ROOT / "Makefile"), flags=re.M))


def test_every_make_target_the_docs_name_exists() -> None:
    targets = _make_targets()
    named = {
        (path.name, m)
        for path in MARKDOWN
        for code in _code(_text(path))
        for m in re.findall(r"(?:^|[;&|(]\s*)make ([a-z][\w-]*)", code)
    }
    assert {"run", "test"} <= {m for _, m in named}
    unknown = sorted((page, m) for page, m in named if m not in targets)
    assert not unknown, f"make targets named in the docs but not in the Makefile: {unknown}"


def _subcommands() -> dict[str, set[str]]:
    """Every harrow-dash subcommand and its options, from the CLI's own parser."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    assert isinstance(sub.choices, dict)
    return {
        name: {o for action in p._actions for o in action.option_strings}
        for name, p in sub.choices.items()
    }


def _commands_in_docs() -> list[tuple[str, str, list[str]]]:
    """(page, subcommand, options) for every ``harrow-dash SUBCOMMAND ...`` written as code."""
    found = []
    for path in MARKDOWN:
        for code in _code(_text(path)):
            for m in re.finditer(r"harrow-dash ([a-z][a-z-]*)([^#`]*)", code):
                rest = re.split(r" -- |\[-- |\|", m.group(2))[0]
                found.append(
                    (path.name, m.group(1), re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", rest))
                )
    return found


def test_every_harrow_dash_command_and_option_the_docs_name_exists() -> None:
    commands = _subcommands()
    named = _commands_in_docs()
    assert len(named) >= 20
    unknown = sorted(
        {(page, sub) for page, sub, _ in named if sub not in commands}
        | {
            (page, f"{sub} {opt}")
            for page, sub, opts in named
            if sub in commands
            for opt in opts
            if opt not in commands[sub]
        }
    )
    assert not unknown, f"commands or options in the docs that harrow-dash does not have: {unknown}"


def test_every_harrow_dash_command_is_documented() -> None:
    reference = _text(DOCS / "command-line.md")
    missing = [
        c for c in _subcommands() if not re.search(rf"^harrow-dash {c}\b", reference, flags=re.M)
    ]
    assert not missing, f"commands missing from docs/command-line.md's list: {missing}"


def _suffixes_read() -> list[str]:
    suffixes = re.findall(r'suffix == "(\.[a-z]+)"', inspect.getsource(readers.read_file))
    assert suffixes, "read_file chooses its reader by the file's suffix"
    return suffixes


def test_the_file_types_found_are_the_ones_the_importer_reads() -> None:
    refused = "files cannot be read"
    for suffix in _suffixes_read():
        _, problems = readers.read_file(b"", f"empty{suffix}")
        assert not any(refused in str(p) for p in problems), suffix
    _, problems = readers.read_file(b"", "old.xls")
    assert any(refused in str(p) for p in problems)


def _data_formats() -> str:
    return _text(DOCS / "loading-data.md").split("## Data formats\n", 1)[1].split("\n## ", 1)[0]


def test_every_file_type_the_importer_reads_is_documented() -> None:
    first = _data_formats().strip().split(".\n", 1)[0]
    assert first.startswith("The importer reads"), first
    documented = set(re.findall(r"`(\.[a-z]+)`", first))
    assert documented == set(_suffixes_read()), (
        f"'Data formats' names {sorted(documented)}; the importer reads {_suffixes_read()}"
    )


def test_every_layout_the_importer_recognises_has_its_section() -> None:
    titles = [t.lower() for t in re.findall(r"^### (.+)$", _data_formats(), flags=re.M)]
    missing = sorted(
        {name for name in LAYOUT_NAMES.values() if not any(name in title for title in titles)}
    )
    assert not missing, f"layouts without a section under 'Data formats': {missing}"


def test_every_environment_variable_the_docs_name_is_read_somewhere() -> None:
    readers_of_settings = [
        ROOT / "harrow_dash" / "config.py",
        ROOT / "deploy" / "compose.yaml",
        *sorted((ROOT / "tests").glob("*.py")),
    ]
    read = {
        name
        for path in readers_of_settings
        if path.name != "test_docs.py"
        for name in re.findall(r"HARROW_DASH_[A-Z_]*[A-Z]", _text(path))
    }
    named = {
        name for path in MARKDOWN for name in re.findall(r"HARROW_DASH_[A-Z_]*[A-Z]", _text(path))
    }
    assert not named - read, f"variables in the docs that nothing reads: {sorted(named - read)}"


# Files the reader makes, named in the docs as where to put them.
MADE_BY_THE_READER = {"deploy/.env"}


def test_every_repository_path_the_docs_name_exists() -> None:
    named = {
        (path.name, code.rstrip("/"))
        for path in MARKDOWN
        for code in _code(_text(path))
        if re.fullmatch(
            r"(harrow_dash|tests|benchmarks|deploy|data/sample|pages|docs|\.ci)/[\w./-]*", code
        )
    }
    assert len(named) >= 20, named
    missing = sorted(
        (page, p) for page, p in named if p not in MADE_BY_THE_READER and not (ROOT / p).exists()
    )
    files = {
        (path.name, code)
        for path in MARKDOWN
        for code in _code(_text(path))
        if re.fullmatch(r"\w+\.py", code)
    }
    here = {
        p.name
        for d in ("harrow_dash", "tests", "benchmarks", "pages", "data")
        for p in (ROOT / d).rglob("*.py")
    }
    missing += sorted((page, name) for page, name in files if name not in here)
    assert not missing, f"paths in the docs that are not in the repository: {missing}"


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def _modules() -> set[str]:
    """The names of harrow_dash's modules and subpackages, at any depth (``views``, ``ui``...)."""
    package = ROOT / "harrow_dash"
    return {p.stem for p in package.rglob("*.py")} | {
        p.name for p in package.rglob("*") if p.is_dir()
    }


def test_every_harrow_dash_name_the_docs_give_exists() -> None:
    """``harrow_dash.store.quarters.default_quarter``, and ``views.sparkline_values`` read inside the package."""
    modules = _modules()
    named = set()
    for path in MARKDOWN:
        for code in _code(_text(path)):
            if re.fullmatch(r"harrow_dash(\.\w+)+", code):
                named.add((path.name, code))
            elif (
                re.fullmatch(r"[a-z_]+(\.\w+)+", code)
                and code.split(".")[0] in modules
                and not re.search(r"\.(py|csv|md|json|toml|yaml|xlsx|ods|docx)$", code)
            ):
                named.add((path.name, f"harrow_dash.{code}"))
    assert len(named) >= 10, named
    missing = sorted((page, name) for page, name in named if not _resolves(name))
    assert not missing, f"names in the docs that harrow_dash does not have: {missing}"
