"""Views of the image generation page."""
