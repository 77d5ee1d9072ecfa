"""Tests of genai_demo/search: one file per module, tests/search/test_<module>.py."""
