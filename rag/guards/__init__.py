"""What keeps an answer safe: planted instructions and requests, input limits (privacy is rag.privacy)."""
