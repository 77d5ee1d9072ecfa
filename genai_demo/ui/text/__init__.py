"""Views of the language-model pages."""
