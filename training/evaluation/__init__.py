"""`stylesprint eval`: gold loading, metrics, the compared systems and the report.

Modules: `gold` (gold files in four formats), `metrics` (pure functions), `base`
(System / Prediction), `systems` (retrieval-only baseline, fine-tuned readers),
`incontext` (prompted chat model over an OpenAI-compatible endpoint), `standin`
(a deterministic local endpoint for tests), `evaluator` (runs and scores), `report`
(table, Markdown report, plots). Import submodules directly: this package stays
light so that `training.calibrate` can use the metrics without loading models.
"""
