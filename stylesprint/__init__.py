"""The `stylesprint` command: the composition root, the one package that knows every other.

Layers, lowest first (tests/test_layers.py enforces them): `qa_engine` (the answer engine,
its settings and the records database) ← `training` and `bot` (neither imports the other)
← `stylesprint` (the CLI). See docs/architecture.md.
"""
