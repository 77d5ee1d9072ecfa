"""Tests of genai_demo/ui/classroom: the sidebar's class panel, saved work, sending to the class, the projector."""
