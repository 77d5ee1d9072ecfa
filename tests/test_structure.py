"""The layout's rules, checked on the source tree: layers import downwards only, never in a circle, only
genai_demo/ui imports streamlit, and no module reaches for another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "genai_demo"
TOPICS = ("text", "search", "images", "sound", "nets", "tuning", "challenges")
# Lower layers first: a module may import its own layer and the layers before it, never a later one.
LAYERS = (("config", "catalogue"), ("engine",), TOPICS, ("ui",), ("cli", "__main__"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, names imported from it, line) for every import in a file, at any depth (lazy ones too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names], node.lineno))
    return found


def internal_edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Which genai_demo modules each genai_demo module imports (`from pkg import submodule` counts as the
    submodule)."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, names, _ in imports(path):
            if not target.startswith("genai_demo"):
                continue
            submodules = {f"{target}.{n}" for n in names if f"{target}.{n}" in modules}
            edges[name] |= submodules or ({target} if target in modules else set())
    return edges


def layer_of(module: str) -> int:
    part = module.split(".")[1] if "." in module else ""
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS in this test")


def test_every_module_sits_in_a_layer() -> None:
    for name in all_modules():
        if name != "genai_demo":
            layer_of(name)


def test_no_module_imports_a_later_layer() -> None:
    upward = [f"{source} imports {target}"
              for source, targets in internal_edges(all_modules()).items() if source != "genai_demo"
              for target in targets if target != "genai_demo" and layer_of(target) > layer_of(source)]
    assert upward == []


def test_no_import_circle() -> None:
    edges = internal_edges(all_modules())
    # A package's __init__ is not imported for its contents here: only real modules form the graph.
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                circles.append(path[path.index(target):] + [target] if target in path else [node, target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert circles == []


def test_only_ui_imports_streamlit() -> None:
    outside = [f"{name}:{line}" for name, path in all_modules().items() if not name.startswith("genai_demo.ui")
               for target, _, line in imports(path) if target.split(".")[0] == "streamlit"]
    assert outside == []


@pytest.mark.parametrize("folder", ["genai_demo", "pages", "tests", "benchmarks", "tools", "cloud"])
def test_no_private_name_is_imported_from_another_module(folder: str) -> None:
    modules = all_modules()
    reached = []
    for path in sorted((ROOT / folder).rglob("*.py")) + ([ROOT / "app.py"] if folder == "pages" else []):
        for target, names, line in imports(path):
            if not target.startswith("genai_demo"):
                continue
            private = [n for n in names if n.startswith("_") and f"{target}.{n}" not in modules]
            if private:
                reached.append(f"{path.relative_to(ROOT)}:{line} takes {', '.join(private)} from {target}")
    assert reached == []


def test_no_package_init_re_exports() -> None:
    """A package's __init__ holds its docstring only: names are imported from the module that defines them."""
    exporting = [name for name, path in all_modules().items()
                 if path.name == "__init__.py" and any(isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign))
                                                       for node in ast.parse(path.read_text()).body)]
    assert exporting == []
