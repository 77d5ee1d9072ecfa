"""Shared Streamlit widgets. The only part of genai_demo that imports streamlit.

Submodules: `loaders` (cached models, one shared error panel), `layout` (page intro, presenter
mode), `colours` (every colour by role; no streamlit, so topic code may use it too), and one module per
family of widgets that several pages reuse.
"""
