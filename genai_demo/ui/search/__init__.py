"""Views of the embedding pages."""
