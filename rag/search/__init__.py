"""Finding passages: the Chroma store, the search index, hybrid retrieval, query analysis, embeddings, reranking."""
