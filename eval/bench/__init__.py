"""`hubqa bench`: ingestion, query latency, concurrency, memory and language-model figures."""
