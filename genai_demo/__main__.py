"""`python -m genai_demo`: the command line of cli.py (prefetch, doctor)."""

import sys

from genai_demo.cli import main

sys.exit(main())
