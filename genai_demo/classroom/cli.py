"""`python -m genai_demo class new | show CODE [--json] | export CODE`: a class from the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from genai_demo.classroom import codes, links
from genai_demo.classroom.shared import class_store
from genai_demo.classroom.store import ClassError, entries_csv, entry_record

DEFAULT_APP_URL = "http://localhost:8501"


def add_commands(commands: argparse._SubParsersAction) -> None:
    """The `class` command and its three subcommands."""
    parser = commands.add_parser("class", help="start a class, show its entries, export it")
    actions = parser.add_subparsers(dest="class_command", required=True)
    new = actions.add_parser("new", help="start a class: prints its code, the join link and the teacher link")
    new.add_argument("--url", default=os.environ.get("GENAI_APP_URL", DEFAULT_APP_URL),
                     help="the app's address as learners reach it (default: $GENAI_APP_URL or %(default)s)")
    show = actions.add_parser("show", help="print every entry of a class")
    show.add_argument("code")
    show.add_argument("--json", action="store_true", help="as JSON (one object with the class and its entries)")
    export = actions.add_parser("export", help="print everything a class holds, pictures included, as JSON or CSV")
    export.add_argument("code")
    export.add_argument("--csv", action="store_true", help="the entries as CSV instead (without pictures)")


def run(args: argparse.Namespace) -> int:
    """Run one `class` subcommand; returns the exit status (1 with a message on stderr when it cannot)."""
    try:
        store = class_store()
        if args.class_command == "new":
            made = store.new_class()
            base = args.url.rstrip("/")
            print(f"code          {made.code}")
            print(f"join link     {links.join_link(base, made.code)}")
            print(f"teacher link  {links.teacher_link(base, made.code, made.teacher_key)}  (keep it to yourself)")
            return 0
        code = codes.normalise_code(args.code)
        if store.get_class(code) is None:
            raise ClassError(f"There is no class with the code {args.code[:20]!r}.")
        if args.class_command == "export":
            exported = store.export(code)
            print(entries_csv(store.entries(code, include_hidden=True)) if args.csv
                  else json.dumps(exported, ensure_ascii=False, indent=2), end="" if args.csv else "\n")
            return 0
        shown = store.entries(code, include_hidden=True)
        if args.json:
            print(json.dumps({"code": code, "entries": [entry_record(entry) for entry in shown]},
                             ensure_ascii=False, indent=2))
            return 0
        for entry in shown:
            when = time.strftime("%H:%M:%S", time.localtime(entry.created))
            hidden = " (hidden)" if entry.hidden else ""
            print(f"{when}  {entry.name:<20} {entry.page:<18} {entry.kind:<8} {entry.text[:80]!r}{hidden}")
        print(f"{len(shown)} entries")
        return 0
    except ClassError as error:
        print(error, file=sys.stderr)
        return 1
