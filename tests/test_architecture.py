"""The layers point one way: no import cycles, no Flask below the web layer, analysis alone, short modules.

Read from the source with ``ast`` (nothing is imported), so a new module is
checked the day it is added.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources(package: str) -> dict[str, Path]:
    """Module name -> file for every module of a package, its migrations left out (Alembic loads those)."""
    return {
        _module_name(path): path
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    }


SURVEY = _sources("survey")
ANALYSIS = _sources("analysis")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports run when the module is imported: module level, inside if/try/with, not under TYPE_CHECKING."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            pending.extend(node.orelse if _is_type_checking(node) else node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.With):
            pending.extend(node.body)
    return found


def _all_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def _imported_names(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Absolute dotted names an import statement reaches: the module, or module.name for `from`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _imported_modules(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement names (for `from m import a`: m only)."""
    names = _imported_names(module, path, node)
    return names[:1] if isinstance(node, ast.ImportFrom) else names


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> set[str]:
    """The project modules an import statement loads (a submodule when `from pkg import sub` names one)."""
    names = _imported_names(module, path, node)
    if isinstance(node, ast.Import):
        return set(names) & set(known)
    base, members = names[0], names[1:]
    return {member if member in known else base for member in members} & set(known)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports at import time."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        edges: set[str] = set()
        for node in _top_level_imports(_parse(path)):
            edges |= _targets(module, path, node, modules)
        graph[module] = edges - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_graph_sees_the_project():
    graph = import_graph(SURVEY)
    assert len(graph) >= 50
    assert "survey.models" in graph["survey.domain.units"]  # the reader resolves absolute imports ...
    assert graph["survey.web.staff"] or graph["survey.web.staff.views"]  # ... and finds edges in web areas


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_survey_modules():
    assert cycles(import_graph(SURVEY)) == []


def _flask_imports(modules: dict[str, Path]) -> list[str]:
    offenders = []
    for module, path in modules.items():
        for node in _top_level_imports(_parse(path)):
            names = _imported_modules(module, path, node)
            offenders += [f"{module}: {name}" for name in names if name.split(".")[0].startswith("flask")]
    return offenders


def _below_web() -> dict[str, Path]:
    layers = ("survey.domain", "survey.models")
    return {name: path for name, path in SURVEY.items() if name in layers or name.startswith(
        tuple(layer + "." for layer in layers))}


def test_domain_and_models_import_no_flask():
    modules = _below_web()
    assert "survey.models" in modules and "survey.domain.responses" in modules
    assert _flask_imports(modules) == []


def test_flask_imports_are_seen():
    web = {name: path for name, path in SURVEY.items() if name.startswith("survey.web.")}
    assert _flask_imports(web)  # the check would notice one


def test_analysis_imports_nothing_of_survey():
    offenders = [
        f"{module}: {name}"
        for module, path in ANALYSIS.items()
        for node in _all_imports(_parse(path))  # lazy imports too
        for name in _imported_modules(module, path, node)
        if name.split(".")[0] == "survey"
    ]
    assert len(ANALYSIS) >= 5 and offenders == []


def test_no_module_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): length
        for path in [*SURVEY.values(), *ANALYSIS.values()]
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
