"""Tests of genai_demo/ui/tuning's shared charts (the pages themselves: tests/pages/)."""
