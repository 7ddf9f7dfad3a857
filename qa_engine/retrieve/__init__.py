"""A question's way to the knowledge base, the first steps of `AnswerEngine.ask`:
typo repair toward the KB's words (`normalize`), the question's language (`language`),
verified answers (`verified_index`, with the matching rule `verified_match`), dense
retrieval (`embedder`, `retriever` over the Chroma collection of `chroma_store`), and
existence questions answered from the catalog (`products`)."""
