"""Print harrow_dash's module import graph and its import circles (read with ``ast``, nothing run).

Usage: ``python tests/tools/import_graph.py [--cycles]`` at the repository root. Each line is a module
and the harrow_dash modules it imports (imports under ``if TYPE_CHECKING:`` marked ``(type)``,
imports inside a function marked ``(lazy)``); then the strongly connected groups, counting every
import and then only the imports made when the module is loaded.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "harrow_dash"


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    out: dict[str, Path] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        name = ".".join(path.relative_to(root).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _kind(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    """'type' under ``if TYPE_CHECKING:``, 'lazy' inside a function, else 'load'."""
    p = parents.get(node)
    while p is not None:
        if isinstance(p, ast.If) and "TYPE_CHECKING" in ast.unparse(p.test):
            return "type"
        if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef):
            return "lazy"
        p = parents.get(p)
    return "load"


def graph(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """Module -> {imported module: kind}; a module imported both ways counts as loaded at import."""
    known = modules(root)
    rank = {"load": 0, "lazy": 1, "type": 2}
    out: dict[str, dict[str, str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        deps: dict[str, str] = {}
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = name.split(".")
                    if path.name != "__init__.py":
                        parts = parts[:-1]
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join([*parts, base] if base else parts)
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
                ]
            for target in targets:
                if not target.startswith(PACKAGE):
                    continue
                dep = _resolve(target, known)
                if dep is None or dep == name:
                    continue
                kind = _kind(node, parents)
                if dep not in deps or rank[kind] < rank[deps[dep]]:
                    deps[dep] = kind
        out[name] = deps
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def main(argv: list[str]) -> int:
    g = graph()
    if "--cycles" not in argv:
        for name, deps in g.items():
            shown = [d + ("" if k == "load" else f" ({k})") for d, k in sorted(deps.items())]
            print(name, "->", ", ".join(shown))
    every = cycles({m: set(d) for m, d in g.items()})
    loaded = cycles({m: {d for d, k in deps.items() if k == "load"} for m, deps in g.items()})
    print("Circles (every import):", every or "none")
    print("Circles (imports made at load):", loaded or "none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
