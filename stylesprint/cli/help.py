"""Help that reads like a Unix command's: `--json`, `--top-k N`, `ask QUESTION`.

Typer renders every parameter with its Python type (`--json <bool>`, `<list[Path]>`,
`{question}` in the usage line), which makes flags look as if they took a value.
The `App`, `Command` and `Group` classes here are Typer's own with one change made
where the parameters are handed to the help and usage renderers: flags show no
placeholder, options that take a value show an upper-case one (`N`, `PATH`, `TEXT`,
or the `metavar=` given), and arguments are named in upper case (`QUESTION`,
`PATHS...`), in brackets only when optional. Parsing is untouched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_BY_TYPE: dict[Any, str] = {int: "N", float: "NUMBER", str: "TEXT", datetime: "DATETIME"}


class _Argument(TyperArgument):
    """An argument shown by its upper-case name only (its type is in the help text)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def display_type(self, ctx: Any) -> str:
        return ""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


def _value_metavar(param: TyperOption) -> str:
    desc = param.type_descriptor
    if desc.is_choice and desc.choices:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    if desc.is_path:
        return "PATH"
    annotation = desc.annotation
    args = getattr(annotation, "__args__", None)
    if getattr(annotation, "__origin__", None) is list and args:
        annotation = args[0]
    if desc.is_ranged:
        annotation = int if "int" in desc.ranged_type_name.lower() else float
    if isinstance(annotation, type) and annotation.__name__ == "Path":
        return "PATH"
    return _BY_TYPE.get(annotation, "VALUE")


def plain_params(params: list[Any]) -> list[Any]:
    """The same parameter objects, set up to render as described in the module docstring."""
    for param in params:
        if isinstance(param, TyperOption):
            if param.is_flag or param.count:
                param.metavar = ""  # rendered as nothing
            elif param.metavar is None:
                param.metavar = _value_metavar(param)
        elif isinstance(param, TyperArgument) and not isinstance(param, _Argument):
            if param.metavar is None:
                param.metavar = (param.name or "arg").upper()
            param.__class__ = _Argument  # same object and state, plain rendering
    return params


class Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return plain_params(super().get_params(ctx))


class Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return plain_params(super().get_params(ctx))


class App(typer.Typer):
    """`typer.Typer` whose groups and commands render plain help (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("cls") is None:
            kwargs["cls"] = Command
        return super().command(*args, **kwargs)
