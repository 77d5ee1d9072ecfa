"""Views of the Challenges pages."""
