"""No import cycles among the project's own packages (bot/, handlers/, scheduler/).

Every import counts: at module level, inside a function (the usual way a cycle is hidden: it works until someone
moves the import up), and under `if TYPE_CHECKING:` (mypy and the reader still see the dependency). A lower
module that needs something from a higher one gets it passed in, or declares a Protocol the higher one meets.

The graph is read from the source with `ast`, nothing is imported. Importing `bot.x.y` also runs `bot/__init__`
and `bot/x/__init__`; those implicit edges are not counted, only the module an import names.

Modules imported by a name in a string (`importlib.import_module(name)`) are a graph of their own, checked by the
last test: a module that calls `import_module` is taken to depend on every project module whose dotted name is
written as a string in it. (The knowledge folder's readers were once imported that way from bot/knowledge.py,
which each of them imports; bot/knowledge_folder.py now lists them above both.)
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "scheduler")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    kind: str  # "top", "function", "TYPE_CHECKING" or "by name"

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.source}:{self.line}, {self.kind})"


def project_modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every .py file of the packages ("bot.storage" for bot/storage/__init__.py)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an imported dotted name lives in: itself, or the nearest package or module above it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_import_module(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )


class _Imports(ast.NodeVisitor):
    """The project imports of one module, each with where it is (module level, function, TYPE_CHECKING)."""

    def __init__(self, name: str, path: Path, modules: dict[str, Path]) -> None:
        self.name = name
        self.package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        self.modules = modules
        self.kind = "top"
        self.edges: list[Edge] = []
        self.imports_by_name = False

    def _add(self, target: str | None, line: int, kind: str | None = None) -> None:
        if target is not None and target != self.name:
            self.edges.append(Edge(self.name, target, line, kind or self.kind))

    def _within(self, kind: str, nodes: list[ast.AST]) -> None:
        """Visit nodes as inside a function or a TYPE_CHECKING block (the outermost of the two names the kind)."""
        outer = self.kind
        if outer == "top":
            self.kind = kind
        for node in nodes:
            self.visit(node)
        self.kind = outer

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._within("function", list(ast.iter_child_nodes(node)))

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._within("function", list(ast.iter_child_nodes(node)))

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._within("function", list(ast.iter_child_nodes(node)))

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self._within("TYPE_CHECKING", list(node.body))
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(_resolve(alias.name, self.modules), node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            module = f"{base}.{node.module}" if node.module else base
        else:
            module = node.module or ""
        for alias in node.names:
            # `from bot import storage` imports the module bot.storage; `from bot.storage import Store` a name in it.
            named = f"{module}.{alias.name}"
            self._add(named if named in self.modules else _resolve(module, self.modules), node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        if _is_import_module(node):
            self.imports_by_name = True
        self.generic_visit(node)


def import_graph(root: Path = ROOT, by_name: bool = False) -> dict[str, list[Edge]]:
    """Module -> its edges to other project modules. With by_name, also the modules a module imports by a name
    written as a string (see the module docstring)."""
    modules = project_modules(root)
    graph: dict[str, list[Edge]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        visitor = _Imports(name, path, modules)
        visitor.visit(tree)
        graph[name] = visitor.edges
        if by_name and visitor.imports_by_name:
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in modules:
                    visitor._add(node.value, node.lineno, "by name")
    return graph


def strongly_connected(graph: dict[str, list[Edge]]) -> list[list[str]]:
    """The groups of modules that reach each other (Tarjan), each sorted; only groups that hold a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for edge in graph[v]:
            w = edge.target
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(groups, key=lambda g: (-len(g), g))


def a_cycle(group: list[str], graph: dict[str, list[Edge]]) -> list[Edge]:
    """The shortest cycle through the group's first module, edge by edge (breadth-first inside the group)."""
    start, members = group[0], set(group)
    came_by: dict[str, Edge] = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for edge in sorted(graph[v], key=lambda e: (e.target, e.line)):
            if edge.target == start:
                path = [edge]
                while path[0].source != start:
                    path.insert(0, came_by[path[0].source])
                return path
            if edge.target in members and edge.target not in came_by:
                came_by[edge.target] = edge
                queue.append(edge.target)
    raise AssertionError(f"no cycle through {start} in {group}")  # a strongly connected group always has one


def cycles_report(graph: dict[str, list[Edge]]) -> str:
    lines: list[str] = []
    for group in strongly_connected(graph):
        cycle = a_cycle(group, graph)
        lines.append(f"{len(group)} modules import each other: {', '.join(group)}")
        lines.append("  a cycle: " + " -> ".join([e.source for e in cycle] + [cycle[0].source]))
        lines += [f"    {edge}" for edge in cycle]
    return "\n".join(lines)


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert strongly_connected(graph) == [], "import cycles:\n" + cycles_report(graph)


def test_every_kind_of_import_is_seen(tmp_path: Path) -> None:
    """The test itself can fail: cycles closed inside a function, under TYPE_CHECKING, by a relative import and by
    `from package import module` are each found and named in order."""
    files = {
        "bot/__init__.py": "",
        "bot/low.py": "def f():\n    from bot import high\n    return high\n",
        "bot/high.py": "import bot.low\n",
        "bot/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.user import User\n",
        "bot/user.py": "from bot.typed import x\n",
        "handlers/__init__.py": "",
        "handlers/a.py": "from . import b\n",
        "handlers/b.py": "from handlers.a import thing\n",
        "scheduler/__init__.py": "",
        "scheduler/alone.py": "import bot.low\nfrom handlers import a\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    graph = import_graph(tmp_path)
    assert strongly_connected(graph) == [
        ["bot.high", "bot.low"],
        ["bot.typed", "bot.user"],
        ["handlers.a", "handlers.b"],
    ]
    kinds = {(e.source, e.target): e.kind for edges in graph.values() for e in edges}
    assert kinds[("bot.low", "bot.high")] == "function"
    assert kinds[("bot.typed", "bot.user")] == "TYPE_CHECKING"
    assert kinds[("bot.high", "bot.low")] == "top"
    report = cycles_report(graph)
    assert "a cycle: bot.high -> bot.low -> bot.high" in report
    assert "bot.low -> bot.high (bot.low:2, function)" in report


def test_modules_imported_by_name_are_seen(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot/__init__.py").write_text("")
    (tmp_path / "bot/registry.py").write_text(
        'import importlib\nPLUGINS = ("bot.plugin",)\n\ndef load():\n    for m in PLUGINS:\n'
        "        importlib.import_module(m)\n"
    )
    (tmp_path / "bot/plugin.py").write_text("from bot.registry import PLUGINS\n")
    assert strongly_connected(import_graph(tmp_path)) == []
    assert strongly_connected(import_graph(tmp_path, by_name=True)) == [["bot.plugin", "bot.registry"]]


def test_no_import_cycles_through_modules_imported_by_name() -> None:
    graph = import_graph(by_name=True)
    assert strongly_connected(graph) == [], "import cycles:\n" + cycles_report(graph)
