"""A class in Chromium: how long the slowest learner waits when everyone presses Generate at once.

The real app (`streamlit run`) serves a GPT-2 big enough that writing, not page overhead, is most of a
learner's wait (6 layers, width 512, random weights). The baseline, measured in the same run, is one
learner alone on the text page (after a warm-up run that loads the model). Then N learners press
Generate together on the text page (160 new tokens, two columns each) while two more send a chat message;
each learner's wait is from their own click until their result is shown. Served one after another they
would wait N times as long; batched, the slowest should wait at most 4x (goal).

On a 2-core machine the Chromium pages share the cores with the server, so part of the ratio is the
browsers' drawing; `benchmarks/classroom.py` measures the engine alone, without browsers.

    python benchmarks/classroom_browser.py            # 8 learners writing, 2 chatting
    python benchmarks/classroom_browser.py --pages 4
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TOKENS = 160
CHAT_PAGES = 2
GOAL = 4.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=8, help="learners pressing Generate together (default 8)")
    args = parser.parse_args()

    from tests import tiny_models
    from tests.browser import browser_page, running_app
    from tests.class_pages import (
        chat_done,
        open_chat_page,
        open_text_page,
        press_generate,
        send_chat,
        shows_no_error,
        text_done,
        wait_all,
    )

    with tempfile.TemporaryDirectory() as tmp:
        gpt2 = tiny_models.write_tiny_gpt2(Path(tmp) / "small-gpt2", tiny_models.build_gpt2_tokenizer(), n_layer=6,
                                           n_embd=512, n_head=8, seed=3)
        chat = tiny_models.write_tiny_gpt2(Path(tmp) / "chat", chat=True, seed=1)
        env = {"GENAI_TEXT_MODEL": str(gpt2), "GENAI_CHAT_MODEL": str(chat), "HF_HOME": str(Path(tmp) / "hf-home")}
        with running_app(env=env) as app, browser_page(1280, 720) as first:
            browser = first.context.browser
            warm_up = open_text_page(browser, app.url, 40)  # loads the model
            wait_all([warm_up], [press_generate(warm_up)], text_done)
            alone_page = open_text_page(browser, app.url, TOKENS)
            alone = wait_all([alone_page], [press_generate(alone_page)], text_done)[0]

            text_pages = [open_text_page(browser, app.url, TOKENS) for _ in range(args.pages)]
            chat_pages = [open_chat_page(browser, app.url) for _ in range(CHAT_PAGES)]
            started = [press_generate(page) for page in text_pages]
            chat_started = [send_chat(page) for page in chat_pages]
            together = wait_all(text_pages, started, text_done)
            chatted = wait_all(chat_pages, chat_started, chat_done)
            errors = sum(not shows_no_error(page) for page in text_pages + chat_pages)

    slowest = max(together)
    print(f"one learner alone ({TOKENS} tokens, 2 columns): {alone:.1f} s")
    print(f"{args.pages} learners at once (+{CHAT_PAGES} chatting): slowest {slowest:.1f} s = {slowest / alone:.2f}x "
          f"alone (goal <= {GOAL:g}x{' ✓' if slowest / alone <= GOAL else ' ✗'}); "
          f"median {sorted(together)[len(together) // 2]:.1f} s; chat replies in {max(chatted):.1f} s")
    print(f"pages showing an error: {errors}")


if __name__ == "__main__":
    main()
