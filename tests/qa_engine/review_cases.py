"""A small review export of the team's own (written for the tests, not copied): one
passage per review, as the review loaders store them (kind "review" + metadata)."""

from __future__ import annotations

from typing import Any

BOOT = "Ridgeway Leather Hiking Boot"
SCARF = "Mistral Cashmere Scarf"

#: (id, product, rating, date, verified buyer, text)
REVIEWS: list[tuple[str, str, int, str, bool, str]] = [
    ("r-boot-1", BOOT, 4, "2026-02-11", True,
     "Solid boot. They run small, I sized up half a size and they fit with thick socks."),
    ("r-boot-2", BOOT, 5, "2026-03-02", False,
     "It took about two weeks of short walks to break them in. Now they are the comfiest "
     "boots I own."),
    ("r-boot-3", BOOT, 3, "2026-03-20", True,
     "Runs small for sure. Order a size up or your toes will hit the front on descents."),
    ("r-boot-4", BOOT, 4, "2026-04-01", True,
     "Fits true to size for me, and they kept my feet dry crossing a stream."),
    ("r-boot-5", BOOT, 2, "", False,
     "The left lace hook broke after a month of weekend hikes."),
    ("r-scarf-1", SCARF, 5, "2026-01-05", True,
     "So soft and not itchy at all, I wear it against bare skin."),
    ("r-scarf-2", SCARF, 4, "2026-01-19", False,
     "Lovely and warm on the train platform, the grey is exactly like the photos."),
]


def review_records() -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """ids, documents and Chroma metadata, as helper-exports' review loader writes them."""
    ids, docs, metas = [], [], []
    for rid, product, rating, date, verified, text in REVIEWS:
        ids.append(rid)
        docs.append(text)
        metas.append({"title": f"Review of {product}", "source": "reviews.csv",
                      "section": "Customer reviews", "kind": "review", "doc_id": rid,
                      "product": product, "rating": rating, "review_date": date,
                      "verified_buyer": verified})
    return ids, docs, metas
