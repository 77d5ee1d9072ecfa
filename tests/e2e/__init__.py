"""End to end: the real `streamlit run app.py` server in headless Chromium."""
