"""llama.cpp's OpenAI-compatible server for the in-context comparison, AMX kernels off.

`python -m training.evaluation.llama_server --model FILE ...` takes exactly the
arguments of `python -m llama_cpp.server` (docs/in-context-prompt.md). The one
difference: llama.cpp's *extra buffer types* (weight repacking, which is how its
AMX matrix kernels are reached) are turned off. On the project's VMs the CPU
advertises AMX (`amx_int8` in /proc/cpuinfo) and the kernel grants the tile
permission, yet the first `ldtilecfg` raises a general-protection fault, so the
stock server (llama-cpp-python 0.3.36, built natively) segfaults on its first
request. Without the extra buffer types the same build runs the plain AVX2 /
AVX-512 kernels. `--extra-bufts` keeps them on (a machine where AMX works).

llama-cpp-python is an optional extra for the comparison only: this module
imports it when run, never at import time.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Sequence
from typing import Any

KEEP_FLAG = "--extra-bufts"


def disable_extra_buffer_types(bindings: Any) -> None:
    """Make `llama_model_default_params()` return params with `use_extra_bufts=False`.

    `bindings` is the ctypes module `llama_cpp.llama_cpp`: `llama_cpp.Llama` looks the
    function up there each time it loads a model, so patching it once covers every
    model the server loads.
    """
    default = getattr(bindings, "_stylesprint_default_params", None)
    if default is None:  # patch once, however often this is called
        default = bindings.llama_model_default_params
        bindings._stylesprint_default_params = default

    def params() -> Any:
        p = default()
        p.use_extra_bufts = False
        return p

    bindings.llama_model_default_params = params


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    keep = KEEP_FLAG in args
    args = [a for a in args if a != KEEP_FLAG]
    if not keep:
        import llama_cpp.llama_cpp as bindings

        disable_extra_buffer_types(bindings)
    sys.argv = ["llama_cpp.server", *args]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
