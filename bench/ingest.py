"""`python -m bench.ingest`: ingestion throughput for a 10,000-product catalog, and query
latency at that size.

A catalog CSV with the demo catalog's columns is generated (deterministic, seed
0: made-up names, categories, prices, sizes, colours, materials and care) and
ingested with the real `Ingestor` into a fresh embedded Chroma collection; each
product is one passage. Then, against that collection (products only):
retrieval latency (embed + query) and whole `ask` latency for questions about
generated products, and how often the product asked about is among the top-k
passages (a sanity figure: near-duplicate products make it < 1).

    python -m bench.ingest                      # 10,000 products
    python -m bench.ingest --n 1000 --queries 50

Before the whole run, the embedding step alone is timed both ways on the same texts,
alternately (so that a busy machine slows both alike): "before" = 128 passages per
call in file order (the ingestor up to issue 24), "after" = what the ingestor does
now (`EMBED_BATCH` per call, shortest first). Both are printed as passages/s.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    STATS_HEADERS,
    memory_mb,
    parser,
    quiet,
    report,
    stats,
    stats_rows,
    table,
    write,
)

CATEGORIES = {
    "Outerwear": ["Trench", "Parka", "Overcoat", "Puffer Jacket", "Rain Shell", "Bomber"],
    "Dresses": ["Wrap Dress", "Slip Dress", "Shirt Dress", "Maxi Dress", "Midi Dress"],
    "Denim": ["Straight Jean", "Skinny Jean", "Wide-Leg Jean", "Denim Jacket", "Denim Skirt"],
    "Knitwear": ["Crewneck Sweater", "Cardigan", "Turtleneck", "Knit Vest", "Hoodie"],
    "Footwear": ["Sneaker", "Ankle Boot", "Loafer", "Sandal", "Chelsea Boot"],
    "Bags": ["Tote", "Crossbody Bag", "Backpack", "Clutch", "Weekender"],
    "Accessories": ["Scarf", "Beanie", "Belt", "Sunglasses", "Gloves"],
    "Swimwear": ["Swimsuit", "Bikini Top", "Swim Short", "Rash Guard"],
    "Kids": ["Kids' Raincoat", "Kids' Hoodie", "Kids' Jogger", "Kids' Sneaker"],
}
ADJECTIVES = ["Harbor", "Alpine", "City", "Coastal", "Meadow", "Summit", "Canyon", "Linen",
              "Midnight", "Desert", "Willow", "Granite", "Sunset", "Fjord", "Prairie", "Urban",
              "Cedar", "Lagoon", "Maple", "Aurora", "Cobble", "Dune", "Ember", "Glacier"]
STYLES = ["Classic", "Relaxed", "Tailored", "Cropped", "Oversized", "Slim", "Quilted",
          "Recycled", "Organic", "Everyday", "Weekend", "Studio", "Heritage", "Trail"]
COLORS = ["Black", "Navy", "Stone", "Olive", "Burgundy", "Camel", "Ivory", "Sage", "Cobalt",
          "Rust", "Charcoal", "Blush", "Mustard", "Teal", "Sand", "Forest"]
MATERIALS = ["100% organic cotton", "100% European linen", "70% wool, 30% polyamide",
             "Recycled polyester with a PU coating", "95% cotton, 5% elastane",
             "Full-grain leather", "Merino wool", "Recycled nylon", "Lyocell and cotton blend",
             "Cashmere blend", "Chlorine-resistant recycled polyamide"]
CARE = ["Machine wash cold and line dry.", "Dry clean only.", "Hand wash cold; dry flat.",
        "Wipe clean with a damp cloth.", "Machine wash cold on a gentle cycle; tumble dry low.",
        "Spot clean only."]
SIZES = ["XS, S, M, L, XL", "XS, S, M, L, XL, XXL", "24, 26, 28, 30, 32, 34", "One size",
         "US 5 to 11", "2T to 12"]
AVAILABILITY = ["In stock", "Low stock", "Online only", "Pre-order", "Sold out"]
FEATURES = ["a detachable hood", "two zip pockets", "a relaxed fit", "contrast stitching",
            "a water-repellent finish", "adjustable straps", "a ribbed hem", "a hidden placket",
            "reflective trims", "a brushed lining", "a drawstring waist", "a raw hem"]


def generate_catalog(path: Path, n: int, seed: int = 0) -> list[dict[str, str]]:
    """Write `n` made-up products with the demo catalog's columns; return the rows."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        category = rng.choice(list(CATEGORIES))
        kind = rng.choice(CATEGORIES[category])
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(STYLES)} {kind} {i:05d}"
        features = rng.sample(FEATURES, 2)
        rows.append({
            "sku": f"SS-GEN-{i:05d}",
            "name": name,
            "category": category,
            "description": f"{rng.choice(STYLES)} {kind.lower()} with {features[0]} and "
                           f"{features[1]}. Style {i:05d} of the generated catalog.",
            "price": f"${rng.randrange(15, 400)}.{rng.choice(['00', '50', '95'])}",
            "sizes": rng.choice(SIZES),
            "colors": ", ".join(rng.sample(COLORS, rng.randint(1, 4))),
            "material": rng.choice(MATERIALS),
            "care": rng.choice(CARE),
            "availability": rng.choice(AVAILABILITY),
        })
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


QUESTIONS = [("What is the {name} made of?", "material"),
             ("How much does the {name} cost?", "price"),
             ("What colours does the {name} come in?", "colors"),
             ("How do I wash the {name}?", "care"),
             ("What sizes does the {name} come in?", "sizes")]


def embedding_throughput(embedder: Any, texts: list[str], rounds: int = 2) -> dict[str, float]:
    """Passages/s of the embedding step, before and after issue 24's batching (see above)."""
    from qa_engine.ingest.ingestor import EMBED_BATCH

    def before() -> None:
        for start in range(0, len(texts), 128):
            embedder.embed(texts[start:start + 128])

    def after() -> None:
        ordered = sorted(texts, key=len)
        for start in range(0, len(ordered), EMBED_BATCH):
            embedder.embed(ordered[start:start + EMBED_BATCH])

    spent = {"before": 0.0, "after": 0.0}
    for _ in range(rounds):
        for name, run in (("before", before), ("after", after)):
            t = time.perf_counter()
            run()
            spent[name] += time.perf_counter() - t
    return {name: round(rounds * len(texts) / max(s, 1e-9), 1) for name, s in spent.items()}


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], default_n=10_000)
    p.add_argument("--queries", type=int, default=200, help="Questions timed after ingestion.")
    p.add_argument("--embed-sample", type=int, default=1000,
                   help="Passages embedded before/after to compare the batching (0: skip).")
    args = p.parse_args(argv)
    quiet()
    from qa_engine.ingest import Ingestor
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.retrieve.embedder import Embedder
    from qa_engine.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        settings = Settings(data_dir=root / "data", _env_file=None)
        catalog = root / "kb" / "catalog.csv"
        catalog.parent.mkdir()
        rows = generate_catalog(catalog, args.n)
        embedder = Embedder(settings.engine.resolved_embedding_model, device=settings.engine.device,
                            int8=settings.engine.embedder_int8)
        t0 = time.perf_counter()
        embedder.warm_up()
        load_s = time.perf_counter() - t0
        embed_rates: dict[str, float] = {}
        if args.embed_sample:
            from qa_engine.ingest.loaders import load_file
            from qa_engine.ingest.passages import build_passages

            records, _ = build_passages(load_file(catalog, catalog.name).parts, catalog.name,
                                        settings.engine.passage_max_words,
                                        settings.engine.passage_overlap_words)
            embed_rates = embedding_throughput(
                embedder, [r.embed_text for r in records[:args.embed_sample]])
        ingest = Ingestor(settings, embedder, progress=False).run([catalog])
        if not ingest.ok:
            raise SystemExit(f"ingestion failed: {ingest.summary()}")
        again = Ingestor(settings, embedder, progress=False).run([catalog])  # unchanged: no-op
        mem_after_ingest = memory_mb()

        engine = AnswerEngine.from_settings(settings)
        engine.warm_up()  # the collection is not empty, so nothing more is ingested
        rng = random.Random(1)
        picks = [(rng.choice(rows), rng.choice(QUESTIONS)) for _ in range(args.queries)]
        for row, (template, _) in picks[:5]:  # unmeasured warm-up
            engine.ask(template.format(name=row["name"]))
        engine.retriever.cache.clear()
        retrieve, asks, hits = [], [], 0
        for row, (template, _) in picks:
            question = template.format(name=row["name"])
            t = time.perf_counter()
            found = engine.retriever.run(question)
            retrieve.append((time.perf_counter() - t) * 1000)
            hits += any(r.passage.doc_id == row["sku"] or row["sku"] in r.passage.text
                        for r in found)
            engine.retriever.cache.clear()
            asks.append(engine.ask(question).latency_ms)
            engine.retriever.cache.clear()
        figures: dict[str, Any] = {
            "products": args.n,
            "passages_added": ingest.passages_added,
            "collection_size": ingest.collection_size,
            "embedder_load_s": round(load_s, 2),
            "ingest_s": round(ingest.elapsed_s, 1),
            "passages_per_s": round(ingest.passages_added / max(ingest.elapsed_s, 1e-9), 1),
            "embed_only_passages_per_s": embed_rates,
            "reingest_unchanged_s": round(again.elapsed_s, 2),
            "query_ms": {"retrieve": stats(retrieve), "ask": stats(asks)},
            "product_in_top_k": round(hits / max(1, len(picks)), 3),
            "top_k": settings.engine.top_k,
            "memory_after_ingest": mem_after_ingest,
            "memory_after_queries": memory_mb(),
        }
    doc = report("ingest", figures, settings)
    print(f"ingested {figures['passages_added']} passages from {args.n} products in "
          f"{figures['ingest_s']}s: {figures['passages_per_s']} passages/s "
          f"(re-ingest unchanged: {figures['reingest_unchanged_s']}s)")
    if embed_rates:
        print(f"embedding alone, {args.embed_sample} passages: before {embed_rates['before']} "
              f"passages/s (128 per call, file order), after {embed_rates['after']} passages/s "
              "(shortest first, EMBED_BATCH per call)")
    print(f"\nqueries against {figures['collection_size']} passages")
    print(table(stats_rows(figures["query_ms"]), STATS_HEADERS))
    print(f"product asked about in top {settings.engine.top_k}: {figures['product_in_top_k']:.0%}")
    print(f"memory: {figures['memory_after_queries']} MiB")
    m = doc["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, load average {m['load_average']}")
    write(doc, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
