"""Screenshots of app pages in headless Chromium, at projector size and narrow.

    python tools/screenshot.py text_generation tokenizer        # pages by file name (no .py)
    python tools/screenshot.py --presenter --all                 # every page in presenter mode, 1280x720 only

Model variables (GENAI_TEXT_MODEL, ...) are passed through, so point them at local folders offline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from genai_demo.catalogue import PAGES  # noqa: E402
from tests.browser import browser_page, running_app, wait_until_rendered  # noqa: E402

SIZES = {"projector": (1280, 720), "narrow": (420, 900)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", default=[""], help="page file names without .py; '' is home")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--full", action="store_true", help="capture the whole scrolled page")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--presenter", action="store_true", help="presenter mode, projector size only")
    parser.add_argument("--all", action="store_true", help="every page in the catalogue")
    args = parser.parse_args()
    if args.all:
        args.pages = ["" if page.file == "home.py" else page.file[:-3] for page in PAGES]
    sizes = {"projector": SIZES["projector"]} if args.presenter else SIZES
    query = "?presenter=true" if args.presenter else ""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with running_app(port=args.port) as app:
        for name, (width, height) in sizes.items():
            with browser_page(width, height) as page:
                for slug in args.pages:
                    page.goto(f"{app.url}/{slug}{query}")
                    wait_until_rendered(page)
                    path = out / f"{slug or 'home'}-{name}{'-presenter' if args.presenter else ''}.png"
                    if args.full:  # Streamlit scrolls inside its main block: grow the window to fit it
                        tall = page.evaluate("(document.querySelector('[data-testid=\"stMain\"]')"
                                             " || document.body).scrollHeight")
                        page.set_viewport_size({"width": width, "height": min(int(tall), 12000)})
                        page.wait_for_timeout(500)
                    page.screenshot(path=str(path))
                    page.set_viewport_size({"width": width, "height": height})
                    print(path)


if __name__ == "__main__":
    main()
