"""Tests of genai_demo/tuning: one file per module, tests/tuning/test_<module>.py."""
