"""The house's import rules (DESIGN rules 2 and 9), read from the source with `ast`.

Every import counts, at the top of a file or inside a function: a lazy import closes a circle
at run time just the same.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "sandbox", "handlers", "middlewares", "services")
# What modules and the layers below may take from the shell: its settings, the type they
# register through and the one sender. Everything else in bot/ is the shell's wiring.
SHELL_FILES_MODULES_MAY_IMPORT = {
    "bot/config.py",
    "bot/registration.py",
    "bot/sender.py",
    "bot/__init__.py",
}


def project_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def module_file(dotted: str) -> str | None:
    """The project file a dotted name is, or None when it is not ours."""
    base = PROJECT_ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.relative_to(PROJECT_ROOT).as_posix()
    return None


def imported_files(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from a.b import c`: c may be a submodule (a/b/c.py) or a name in a/b.
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            found = module_file(name)
            if found is not None:
                yield found
                if isinstance(node, ast.ImportFrom):
                    break  # the most precise file the statement names


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in project_files():
        source = path.relative_to(PROJECT_ROOT).as_posix()
        graph[source] = {target for target in imported_files(path) if target != source}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one file (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def imports_from(graph: dict[str, set[str]], source_prefix: str, target_prefix: str) -> list[str]:
    return sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        if source.startswith(source_prefix)
        for target in targets
        if target.startswith(target_prefix)
    )


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "bot/registration.py" in graph["handlers/payments/__init__.py"]
    assert "handlers/payments/__init__.py" in graph["bot/modules.py"]  # a lazy import
    assert "services/speech/interface.py" in graph["services/speech/whisper_engine.py"]


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_modules_never_import_the_shells_wiring() -> None:
    graph = import_graph()
    offending = [
        edge
        for package in ("handlers/", "middlewares/", "services/", "sandbox/")
        for edge in imports_from(graph, package, "bot/")
        if edge.split(" -> ")[1] not in SHELL_FILES_MODULES_MAY_IMPORT
    ]
    assert offending == []


def test_the_layers_below_the_handlers_know_neither_the_shell_nor_the_handlers() -> None:
    graph = import_graph()
    for package in ("services/", "middlewares/", "sandbox/"):
        assert imports_from(graph, package, "bot/") == []
        assert imports_from(graph, package, "handlers/") == []
    assert imports_from(graph, "services/", "middlewares/") == []
    assert imports_from(graph, "services/", "sandbox/") == []


def test_services_know_no_aiogram() -> None:
    offending = []
    for path in (PROJECT_ROOT / "services").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offending += [
                f"{path.relative_to(PROJECT_ROOT)}: {name}"
                for name in names
                if name.split(".")[0] in {"aiogram", "aiogram_i18n"}
            ]
    assert offending == []
