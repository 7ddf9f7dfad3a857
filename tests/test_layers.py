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


# --- the environment is read at the front door, Slack is the bot's -----------------------

#: settings classes: building one reads the environment and `.env`
SETTINGS_CLASSES = {"Settings", "ServingSettings", "EngineSettings", "BotSettings",
                    "SlackSettings", "RetrainSettings", "ServiceSettings", "OpenAISettings"}
#: packages that may build settings: the composition root (tests and bench/ are entry
#: points of their own and are not checked)
READS_ENVIRONMENT = {"stylesprint"}
#: packages that may import the Slack SDK and Bolt
SLACK_PACKAGES = {"bot", "stylesprint"}
SLACK_LIBRARIES = {"slack_sdk", "slack_bolt"}


def settings_built(tree: ast.AST) -> list[int]:
    """Lines that call a settings class (`Settings()`, `Settings(**values)`, `x.Settings()`)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else None)
            if name in SETTINGS_CLASSES:
                lines.append(node.lineno)
    return lines


def modules() -> list[tuple[str, Path, ast.AST]]:
    found = []
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            found.append((package, rel, ast.parse(path.read_text(encoding="utf-8"),
                                                  filename=str(rel))))
    return found


def test_only_the_composition_root_builds_settings():
    bad = [f"{rel}:{line}: builds settings (reads the environment); take the settings "
           "group or plain arguments instead"
           for package, rel, tree in modules() if package not in READS_ENVIRONMENT
           for line in settings_built(tree)]
    assert not bad, "\n".join(bad)


def test_only_the_bot_and_the_composition_root_import_slack():
    bad = []
    for package, rel, tree in modules():
        if package in SLACK_PACKAGES:
            continue
        parts = rel.with_suffix("").parts
        for line, name in imported_modules(tree, package, parts):
            if name.split(".")[0] in SLACK_LIBRARIES:
                bad.append(f"{rel}:{line}: {package} imports {name}")
    assert not bad, "imports of Slack outside bot/ and stylesprint/:\n" + "\n".join(bad)


def test_the_checkers_see_what_they_forbid():
    tree = ast.parse("def f(v):\n    s = Settings(**v)\n    return qa.EngineSettings()\n"
                     "from slack_sdk import WebClient\n")
    assert settings_built(tree) == [2, 3]
    names = [name for _, name in imported_modules(tree, "training", ("training", "m"))]
    assert "slack_sdk" in names
