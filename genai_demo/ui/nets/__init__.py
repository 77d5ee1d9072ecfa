"""Views of the network pages and the live-training labs."""
