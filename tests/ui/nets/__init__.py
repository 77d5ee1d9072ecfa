"""Tests of genai_demo/ui/nets' shared lab pieces (each lab page itself: tests/pages/)."""
