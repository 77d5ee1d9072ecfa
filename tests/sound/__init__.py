"""Tests of genai_demo/sound: one file per module, tests/sound/test_<module>.py."""
