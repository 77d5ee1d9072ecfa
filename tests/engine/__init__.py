"""Tests of genai_demo/engine: one file per module, tests/engine/test_<module>.py."""
