"""Views of the sound pages."""
