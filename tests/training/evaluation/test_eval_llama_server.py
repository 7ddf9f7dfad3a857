"""The llama.cpp launcher turns off the extra buffer types (AMX) and passes its args on."""

from __future__ import annotations

import sys
import types

from training.evaluation import llama_server


class _Params:
    use_extra_bufts = True
    n_gpu_layers = 0


def _bindings() -> types.SimpleNamespace:
    return types.SimpleNamespace(llama_model_default_params=_Params)


def test_default_params_lose_extra_buffer_types_once():
    bindings = _bindings()
    llama_server.disable_extra_buffer_types(bindings)
    llama_server.disable_extra_buffer_types(bindings)  # idempotent: no wrapper of a wrapper
    params = bindings.llama_model_default_params()
    assert params.use_extra_bufts is False
    assert params.n_gpu_layers == 0  # everything else as llama.cpp's defaults
    assert bindings._stylesprint_default_params is _Params


def _fake_llama_cpp(monkeypatch) -> tuple[types.SimpleNamespace, list]:
    bindings = _bindings()
    package = types.ModuleType("llama_cpp")
    package.llama_cpp = bindings
    monkeypatch.setitem(sys.modules, "llama_cpp", package)
    monkeypatch.setitem(sys.modules, "llama_cpp.llama_cpp", bindings)
    calls: list = []

    def run_module(name, run_name=None, alter_sys=False):
        calls.append((name, run_name, list(sys.argv),
                      bindings.llama_model_default_params().use_extra_bufts))

    monkeypatch.setattr(llama_server.runpy, "run_module", run_module)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    return bindings, calls


def test_main_runs_the_stock_server_with_its_arguments(monkeypatch):
    _, calls = _fake_llama_cpp(monkeypatch)
    llama_server.main(["--model", "m.gguf", "--port", "0", "--chat_format", "gemma"])
    assert calls == [("llama_cpp.server", "__main__",
                      ["llama_cpp.server", "--model", "m.gguf", "--port", "0",
                       "--chat_format", "gemma"], False)]


def test_extra_bufts_flag_keeps_them(monkeypatch):
    _, calls = _fake_llama_cpp(monkeypatch)
    llama_server.main(["--model", "m.gguf", "--extra-bufts"])
    assert calls == [("llama_cpp.server", "__main__", ["llama_cpp.server", "--model", "m.gguf"],
                      True)]
