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
LAYERS = (("config", "catalogue"), ("engine", "classroom"), TOPICS, ("ui",), ("cli", "__main__"))


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


# Modules with no test file of their own, each tested through the files named beside it. Add a module here only
# when it has no behaviour worth a file of its own; the test below fails once one of them gets its test file.
WITHOUT_A_TEST_FILE = {
    "genai_demo/engine/bundles.py",  # what the loaders return: engine/test_loader.py, engine/test_writer.py
    "genai_demo/engine/model_kind.py",  # the record of one kind: engine/test_kinds.py
    "genai_demo/text/instruct.py",  # base or instruct model: search/test_rag.py and the text pages' tests
    "genai_demo/ui/colours.py",  # named colours only
    "genai_demo/ui/progress.py",  # scrolling into view, the place in line: ui/test_inputs.py, the image page
    "genai_demo/ui/challenges/links.py",  # pages/test_bias.py
    "genai_demo/ui/nets/labs.py",  # pages/test_gan_lab.py, pages/test_vae_lab.py
    "genai_demo/ui/nets/neurons.py",  # ui/test_heatmaps.py and the neural-network pages
    "genai_demo/ui/sound/player.py",  # pages/test_text_to_speech.py, pages/test_text_to_music.py
    "genai_demo/ui/text/model_output.py",  # pages/test_text_generation.py, test_chat.py, test_how_llms_work.py
}


def expected_test_file(path: Path) -> Path:
    """Where the tests of a module or a page live: tests/ mirrors genai_demo/ (genai_demo/engine/kinds.py:
    tests/engine/test_kinds.py), a page's are tests/pages/test_<page>.py, and a page's own views
    (genai_demo/ui/<topic>/<page>.py) are tested with the page."""
    relative = path.relative_to(ROOT)
    if relative.parts[0] == "pages" or (relative.parts[1] == "ui" and len(relative.parts) == 4
                                        and (ROOT / "pages" / path.name).exists()):
        return ROOT / "tests" / "pages" / f"test_{path.name}"
    return ROOT / "tests" / Path(*relative.parts[1:-1]) / f"test_{path.name}"


def test_every_module_and_page_has_a_test_file_named_after_it() -> None:
    sources = [path for path in PACKAGE.rglob("*.py") if path.stem not in ("__init__", "__main__")]
    expected = {path.relative_to(ROOT).as_posix(): expected_test_file(path)
                for path in [*sources, *(ROOT / "pages").glob("*.py")]}
    missing = [f"{source} has no {test.relative_to(ROOT)}" for source, test in sorted(expected.items())
               if source not in WITHOUT_A_TEST_FILE and not test.exists()]
    assert missing == []
    stale = [source for source in sorted(WITHOUT_A_TEST_FILE) if source not in expected or expected[source].exists()]
    assert stale == [], "no longer without a test file: take these off WITHOUT_A_TEST_FILE"
