"""Imports read one way: core <- io <- cryomask, recipes <- cli, _napari; never back up, no cycles."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "napari_cryomask"

# What each part of the package may import from the package itself.
ALLOWED = {
    "core": {"core"},
    "io": {"core", "io"},
    "cryomask": {"core", "io", "cryomask"},
    "recipes": {"core", "io", "cryomask", "recipes"},
    "cli": {"core", "io", "cryomask", "recipes", "cli", "_napari"},
    "_napari": {"core", "io", "cryomask", "recipes", "_napari"},
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path):
    """(imported module, line, whether the import is at module level) of every package import."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for t in targets:
            if t == "napari_cryomask" or t.startswith("napari_cryomask."):
                yield t, node.lineno, id(node) in top


FILES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_read_one_way(path):
    part = _part(_module_name(path))
    if part not in ALLOWED:
        return
    for target, line, _ in _imports(path):
        assert _part(target) in ALLOWED[part] | {""}, f"{path.name}:{line} ({part}) imports {target}"


def test_no_import_cycles_between_modules():
    graph = {}
    for path in FILES:
        name = _module_name(path)
        graph[name] = {t for t, _, at_top in _imports(path) if at_top and t != name}
    names = set(graph)

    def resolve(target):
        # "from .core import shapes" names the module napari_cryomask.core.shapes
        return target if target in names else target.rsplit(".", 1)[0]

    graph = {n: {resolve(t) for t in ts} & names - {n} for n, ts in graph.items()}
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
