import sys

from genai_demo.cli import main

sys.exit(main())
