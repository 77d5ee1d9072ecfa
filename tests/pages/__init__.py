"""AppTest runs of the pages, one file per page: tests/pages/test_<page>.py for pages/<page>.py.

A page's own views in genai_demo/ui/<topic>/<page>.py are tested here too. A check that runs on several
pages to test one shared piece (presenter mode, the missing-model panel, links and seeds) is filed with
that piece under tests/ui/ or tests/engine/.
"""
