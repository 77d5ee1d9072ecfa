"""Streamlit pieces of the class: membership, the projector view, sending work, saved work."""
