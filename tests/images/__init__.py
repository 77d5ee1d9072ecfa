"""Tests of genai_demo/images: one file per module, tests/images/test_<module>.py."""
