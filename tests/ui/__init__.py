"""Tests of genai_demo/ui's shared widgets: tests/ui/test_<module>.py (a page's own views: tests/pages/)."""
