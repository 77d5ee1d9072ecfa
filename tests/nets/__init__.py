"""Tests of genai_demo/nets: one file per module, tests/nets/test_<module>.py."""
