"""Tests of genai_demo/challenges: one file per module, tests/challenges/test_<module>.py."""
