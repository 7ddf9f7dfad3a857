"""StyleSprint Assist answer engine: ingestion, retrieval, reading, answer composition."""
