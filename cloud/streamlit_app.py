"""The entry point for Streamlit Community Cloud: the same app, installed from this folder's requirements.

Community Cloud installs the dependency file that sits beside the entry point, so pointing a deployment at
`cloud/streamlit_app.py` gets `cloud/requirements.txt`: the app's requirements with PyTorch's CPU index,
so the container gets the CPU wheel of torch instead of the multi-GB CUDA build. Everywhere else the
root `requirements.txt` stays general (a GPU machine installs its CUDA build first). `cloud/pages` is a
link to the app's pages folder, so page paths read the same from here as from app.py.
"""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `streamlit run cloud/streamlit_app.py` puts only this folder on the path
runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
