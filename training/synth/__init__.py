"""Training data for the span reader: the StyleSprint QA set builder and a synthetic generator.

`python -m training.synth --n 20000 --seed 0 --out synth.jsonl` writes factual QA over
fictional stores; `python -m training.synth.stylesprint` rebuilds the shipped StyleSprint
train/dev files from the demo knowledge base. See docs/data.md.
"""
