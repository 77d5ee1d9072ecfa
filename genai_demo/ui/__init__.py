"""Shared Streamlit widgets. The only part of genai_demo that imports streamlit.

Submodules: `loaders` (cached models, one shared error panel), `layout` (page intro, presenter
mode), and one module per family of widgets that several pages reuse.
"""
