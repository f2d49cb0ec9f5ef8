"""One-way arrows: ``bot/`` never imports ``handlers/`` (only the composition root does), the
handling path's modules import each other without a cycle at run time, and the installed
packages never import the development tooling in ``devtools/``."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def runtime_imports(path: Path) -> set[str]:
    """Modules imported by ``path``, leaving out ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_bot_imports_no_handler_except_the_composition_root() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "bot").rglob("*.py")
        if p.name != "app.py" and any(m.split(".")[0] == "handlers" for m in runtime_imports(p))
    ]
    assert offenders == []


def test_the_handling_path_has_no_import_cycle() -> None:
    names = ("commands", "context", "conversation", "roles", "engine", "outbox", "features")
    graph = {
        n: {m for m in names if f"bot.{m}" in runtime_imports(ROOT / "bot" / f"{n}.py")}
        for n in names
    }
    seen: set[str] = set()
    stack: list[str] = []

    def walk(n: str) -> None:
        assert n not in stack, f"import cycle: {[*stack, n]}"
        if n in seen:
            return
        stack.append(n)
        for m in graph[n]:
            walk(m)
        stack.pop()
        seen.add(n)

    for n in names:
        walk(n)
    assert "context" in graph["conversation"] and "commands" in graph["context"]


def test_the_installed_packages_import_no_dev_tooling() -> None:
    installed = ["bot", "handlers", "storage", "config"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == installed
    offenders = [
        str(p.relative_to(ROOT))
        for package in installed
        for p in (ROOT / package).rglob("*.py")
        if any(m.split(".")[0] == "devtools" for m in runtime_imports(p))
    ]
    assert offenders == []
    assert (ROOT / "devtools" / "homeserver.py").is_file()  # the tooling is where tests look
