"""app.py: the navigation and sidebar around every page, light enough to open without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.helpers import clean_env as _clean_env

# Every test here starts and ends with fresh settings, budget and caches.
pytestmark = pytest.mark.usefixtures("fresh_settings")


def test_the_whole_app_renders_its_home_page_without_importing_torch():
    """app.py plus the home page must stay light: torch loads only when a model page opens."""
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
        "print(json.dumps({'exception': [e.value for e in at.exception], 'title': [t.value for t in at.title],"
        " 'torch': 'torch' in sys.modules, 'sidebar': [c.value for c in at.sidebar.caption]}))\n"
    )
    result = subprocess.run([sys.executable, "-c", "import json\n" + script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**_clean_env(), "HF_HUB_OFFLINE": "1"})
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["exception"] == []
    assert report["title"] == ["Generative AI, hands on"]
    assert report["torch"] is False
    assert any("Running on" in caption for caption in report["sidebar"])
