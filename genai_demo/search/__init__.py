"""Sentence embeddings: similarity, semantic search over passages, and answers grounded in them (RAG)."""
