"""Reading the span that answers a question in the retrieved passages: the extractive
reader (`reader`: windows, its QA head and adapter), logits to spans (`decoding`), the
decline threshold (`calibration`), a bare figure widened to its clause (`quote`), and
the serving speed options (`speed`)."""
