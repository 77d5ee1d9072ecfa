"""Tests of genai_demo/text: one file per module, tests/text/test_<module>.py."""
