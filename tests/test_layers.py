"""The import rules between the project's packages (docs/architecture.md).

Layers, lowest first: `qa_engine` ← `bot`, `training` (side by side, neither imports the
other) ← `stylesprint` (the CLI, the composition root). Every import in every module is
checked, including imports inside functions and under `TYPE_CHECKING`: an arrow that
goes upward (or sideways between bot and training) fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: package -> the project packages it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "qa_engine": set(),
    "training": {"qa_engine"},
    "bot": {"qa_engine"},
    "stylesprint": {"qa_engine", "training", "bot"},
}


def imported_modules(tree: ast.AST, package: str, module_parts: tuple[str, ...]):
    """Every (line, absolute module name) that `tree` imports, relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module_parts[: len(module_parts) - node.level]
                name = ".".join(base + ((node.module,) if node.module else ()))
            else:
                name = node.module or ""
            yield node.lineno, name


def upward_arrows() -> list[str]:
    bad = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            parts = rel.with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
            for line, name in imported_modules(tree, package, parts):
                top = name.split(".")[0]
                if top in ALLOWED and top != package and top not in allowed:
                    bad.append(f"{rel}:{line}: {package} imports {name}")
    return bad


def test_no_import_goes_upward():
    bad = upward_arrows()
    assert not bad, "imports against the layer rules:\n" + "\n".join(bad)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_every_package_is_checked(package):
    assert (ROOT / package / "__init__.py").is_file()


def test_the_checker_sees_function_level_imports():
    tree = ast.parse("def f():\n    from bot.records import Records\n    import training.x\n")
    names = [name for _, name in imported_modules(tree, "qa_engine", ("qa_engine", "m"))]
    assert names == ["bot.records", "training.x"]
