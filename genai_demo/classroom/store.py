"""The class store: one database (SQLite by default, PostgreSQL for several app replicas) behind a small API.

Every method is one transaction. Teacher actions check the teacher in the same transaction, so a learner who
crafts a request cannot reach them; learner submissions are cleaned, capped and rate-limited here, whatever the
page in front of them did. A database that cannot be reached raises StoreUnavailable with a plain message.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from genai_demo.classroom import codes
from genai_demo.classroom.cleaning import clean_text

# The kinds of entry, and the round each one belongs to (a closed round takes none).
KINDS = {"text": "text", "guess": "guess", "vote": "votes", "picture": "gallery", "sound": "gallery"}
ROUNDS = ("text", "guess", "votes", "gallery")
MAX_TEXT_CHARS = {"text": 2_000, "guess": 40, "vote": 2_000, "picture": 500, "sound": 500}
MAX_PROMPT_CHARS = 500
MAX_NAME_CHARS = 30
MAX_DATA_BYTES = 2_000_000  # one picture or sound clip
MAX_MEMBERS = 500
MAX_ENTRIES = 20_000  # per class
RATE_WINDOW_S = 60.0
RATE_LIMIT = 40  # entries per learner per class per window: ten presses of Generate with four columns
MAX_WORK_BYTES = 4_000_000  # one piece of a learner's saved work (a chat, the pairs of the RLHF page)

_NAMES = ("Otter", "Falcon", "Lynx", "Heron", "Badger", "Gecko", "Orca", "Panda", "Koala", "Raven", "Bison",
          "Puffin", "Tapir", "Ibex", "Marten", "Newt", "Okapi", "Quokka", "Wombat", "Yak")
_COLOURS = ("Blue", "Amber", "Green", "Coral", "Silver", "Violet", "Golden", "Teal", "Ruby", "Indigo")

metadata = sa.MetaData()
classes = sa.Table(
    "classes", metadata,
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("teacher_key_hash", sa.String(64), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("active", sa.Float, nullable=False),  # last write: retention counts from here
    sa.Column("text_prompt", sa.Text, nullable=False, default=""),
    sa.Column("guess_prompt", sa.Text, nullable=False, default=""),
    sa.Column("open_rounds", sa.Text, nullable=False, default="votes gallery"),
    sa.Column("feedback", sa.Text, nullable=True),  # the last training on the class's votes, as JSON
    sa.Column("changed", sa.Float, nullable=False),  # last teacher action
    sa.Column("changed_by", sa.String(MAX_NAME_CHARS), nullable=False, default=""),
)
members = sa.Table(
    "members", metadata,
    sa.Column("code", sa.String(8), sa.ForeignKey("classes.code", ondelete="CASCADE"), primary_key=True),
    sa.Column("learner", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(MAX_NAME_CHARS), nullable=False),
    sa.Column("joined", sa.Float, nullable=False),
    sa.Column("teacher", sa.Boolean, nullable=False, default=False),
)
entries = sa.Table(
    "entries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(8), sa.ForeignKey("classes.code", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("learner", sa.String(64), nullable=False, index=True),
    sa.Column("name", sa.String(MAX_NAME_CHARS), nullable=False),
    sa.Column("page", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("settings", sa.Text, nullable=False),  # JSON
    sa.Column("data", sa.LargeBinary, nullable=True),  # a picture (PNG) or a sound clip (WAV)
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
)
work = sa.Table(
    "work", metadata,
    sa.Column("learner", sa.String(64), primary_key=True),
    sa.Column("page", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),  # JSON
    sa.Column("updated", sa.Float, nullable=False),
)


class ClassError(Exception):
    """A request the class cannot take; its message is shown to the learner as it is."""


class StoreUnavailable(ClassError):
    """The database cannot be reached or written (down, full, read-only)."""


@dataclass(frozen=True)
class NewClass:
    """A class just made: its code and its teacher key (shown once, never stored)."""

    code: str
    teacher_key: str = field(repr=False)


@dataclass(frozen=True)
class ClassInfo:
    """A class as everyone in it sees it (never the teacher key or its hash)."""

    code: str
    created: float
    text_prompt: str
    guess_prompt: str
    open_rounds: frozenset[str]
    changed: float
    changed_by: str
    members: int
    feedback: dict[str, Any] | None

    def is_open(self, round_name: str) -> bool:
        return round_name in self.open_rounds


@dataclass(frozen=True)
class Member:
    """A learner in a class: their display name, and whether they teach it."""

    code: str
    learner: str
    name: str
    teacher: bool


@dataclass(frozen=True)
class Entry:
    """One thing a learner sent to the class: a text, a guess, a vote, a picture or a sound clip."""

    id: int
    learner: str
    name: str
    page: str
    kind: str
    text: str
    settings: dict[str, Any]
    created: float
    hidden: bool
    data: bytes | None = field(default=None, repr=False)


class ClassStore:
    """Classes, learners, entries and saved work in the database at `url` (any SQLAlchemy URL)."""

    def __init__(self, url: str, retention_days: float = 30.0) -> None:
        self.url = url
        self.retention_s = retention_days * 86_400
        self._engine = _make_engine(url)
        self._purged = 0.0
        self._purge_lock = threading.Lock()
        with self._transaction() as db:
            metadata.create_all(db)
        self.purge_expired()

    def close(self) -> None:
        self._engine.dispose()

    # --- classes -----------------------------------------------------------------------------------

    def new_class(self, now: float | None = None) -> NewClass:
        """A new class with a fresh code and teacher key (the key is returned once and stored only as a hash)."""
        now = time.time() if now is None else now
        key = codes.new_teacher_key()
        with self._transaction() as db:
            for _ in range(20):
                code = codes.new_code()
                if db.execute(sa.select(classes.c.code).where(classes.c.code == code)).first() is None:
                    break
            else:
                raise ClassError("No free class code was found; try again.")
            db.execute(classes.insert().values(code=code, teacher_key_hash=codes.hash_key(key), created=now,
                                               active=now, text_prompt="", guess_prompt="",
                                               open_rounds="votes gallery", feedback=None, changed=now,
                                               changed_by=""))
        self.purge_expired()
        return NewClass(code, key)

    def get_class(self, code: str) -> ClassInfo | None:
        """The class with this code (as typed), or None when there is none (wrong, old or cleared)."""
        code = codes.normalise_code(code)
        if not code:
            return None
        with self._transaction(write=False) as db:
            row = db.execute(sa.select(classes).where(classes.c.code == code)).mappings().first()
            if row is None:
                return None
            count = db.execute(sa.select(sa.func.count()).select_from(members)
                               .where(members.c.code == code)).scalar_one()
        return ClassInfo(code=row["code"], created=row["created"], text_prompt=row["text_prompt"],
                         guess_prompt=row["guess_prompt"], open_rounds=frozenset(row["open_rounds"].split()),
                         changed=row["changed"], changed_by=row["changed_by"], members=count,
                         feedback=json.loads(row["feedback"]) if row["feedback"] else None)

    def join(self, code: str, learner: str, name: str = "", teacher_key: str | None = None) -> Member:
        """Put `learner` in the class (again: their name and role are kept). With the right teacher key they are
        a teacher of it from now on; a wrong key raises ClassError and changes nothing."""
        code = codes.normalise_code(code)
        _check_learner(learner)
        with self._transaction() as db:
            row = db.execute(sa.select(classes.c.teacher_key_hash).where(classes.c.code == code)
                             .with_for_update()).first()
            if row is None:
                raise ClassError("There is no class with that code: it may be mistyped, or the class has ended.")
            if teacher_key is not None and not codes.key_matches(teacher_key, row[0]):
                raise ClassError("That teacher link is not this class's: you joined nothing. Ask for the link again.")
            old = db.execute(sa.select(members).where(members.c.code == code, members.c.learner == learner)
                             ).mappings().first()
            if old is None:
                count = db.execute(sa.select(sa.func.count()).select_from(members)
                                   .where(members.c.code == code)).scalar_one()
                if count >= MAX_MEMBERS:
                    raise ClassError(f"This class is full ({MAX_MEMBERS} learners); ask the teacher to start another.")
                shown = clean_text(name, MAX_NAME_CHARS, keep_lines=False) or _free_name(db, code, count)
                db.execute(members.insert().values(code=code, learner=learner, name=shown, joined=time.time(),
                                                   teacher=teacher_key is not None))
                return Member(code, learner, shown, teacher_key is not None)
            teacher = bool(old["teacher"]) or teacher_key is not None
            if teacher and not old["teacher"]:
                db.execute(members.update().where(members.c.code == code, members.c.learner == learner)
                           .values(teacher=True))
            return Member(code, learner, old["name"], teacher)

    def member(self, code: str, learner: str) -> Member | None:
        with self._transaction(write=False) as db:
            row = db.execute(sa.select(members).where(members.c.code == codes.normalise_code(code),
                                                      members.c.learner == learner)).mappings().first()
        return None if row is None else Member(row["code"], row["learner"], row["name"], bool(row["teacher"]))

    def rename(self, code: str, learner: str, name: str) -> str:
        """A learner's new display name (cleaned and capped); their earlier entries keep the name they had."""
        shown = clean_text(name, MAX_NAME_CHARS, keep_lines=False)
        if not shown:
            raise ClassError("A name needs at least one letter.")
        with self._transaction() as db:
            db.execute(members.update().where(members.c.code == codes.normalise_code(code),
                                              members.c.learner == learner).values(name=shown))
        return shown

    # --- the teacher's controls --------------------------------------------------------------------

    def set_prompt(self, code: str, teacher: str, round_name: str, prompt: str) -> str:
        """The teacher's prompt for the text or the guessing round; a new prompt opens that round."""
        if round_name not in ("text", "guess"):
            raise ValueError(round_name)
        shown = clean_text(prompt, MAX_PROMPT_CHARS)
        if not shown:
            raise ClassError("The prompt is empty: type at least a word.")
        with self._transaction() as db:
            info = self._teacher_action(db, code, teacher)
            rounds = set(info["open_rounds"].split()) | {round_name}
            db.execute(classes.update().where(classes.c.code == info["code"])
                       .values(**{f"{round_name}_prompt": shown}, open_rounds=" ".join(sorted(rounds))))
        return shown

    def set_open(self, code: str, teacher: str, round_name: str, is_open: bool) -> None:
        if round_name not in ROUNDS:
            raise ValueError(round_name)
        with self._transaction() as db:
            info = self._teacher_action(db, code, teacher)
            rounds = set(info["open_rounds"].split())
            rounds = rounds | {round_name} if is_open else rounds - {round_name}
            db.execute(classes.update().where(classes.c.code == info["code"])
                       .values(open_rounds=" ".join(sorted(rounds))))

    def hide(self, code: str, teacher: str, entry_id: int, hidden: bool = True) -> None:
        with self._transaction() as db:
            info = self._teacher_action(db, code, teacher)
            db.execute(entries.update().where(entries.c.code == info["code"], entries.c.id == int(entry_id))
                       .values(hidden=hidden))

    def clear(self, code: str, teacher: str) -> int:
        """Delete every entry of the class (its learners stay in it); returns how many went."""
        with self._transaction() as db:
            info = self._teacher_action(db, code, teacher)
            gone = db.execute(entries.delete().where(entries.c.code == info["code"])).rowcount
            db.execute(classes.update().where(classes.c.code == info["code"]).values(feedback=None))
        return int(gone or 0)

    def set_feedback(self, code: str, teacher: str, feedback: dict[str, Any]) -> None:
        """What training on the class's votes gave (before/after samples, losses): everyone's projector shows it."""
        with self._transaction() as db:
            info = self._teacher_action(db, code, teacher)
            db.execute(classes.update().where(classes.c.code == info["code"]).values(feedback=json.dumps(feedback)))

    def _teacher_action(self, db: Connection, code: str, teacher: str) -> sa.RowMapping:
        code = codes.normalise_code(code)
        row = db.execute(sa.select(classes).where(classes.c.code == code).with_for_update()).mappings().first()
        if row is None:
            raise ClassError("There is no class with that code any more.")
        who = db.execute(sa.select(members.c.name, members.c.teacher)
                         .where(members.c.code == code, members.c.learner == teacher)).first()
        if who is None or not who[1]:
            raise ClassError("Only the class's teacher can do that.")
        now = time.time()
        db.execute(classes.update().where(classes.c.code == code).values(changed=now, changed_by=who[0], active=now))
        return row

    # --- entries -----------------------------------------------------------------------------------

    def submit(self, code: str, learner: str, page: str, entry_kind: str, items: list[tuple[str, dict[str, Any]]],
               data: bytes | None = None) -> list[int]:
        """Send one or more entries of one kind (the columns of one Generate) to the class; returns their ids.

        Raises ClassError when the class is gone, the learner is not in it, the round is closed, the text
        round's prompt changed, the learner sends too fast or the class is full."""
        if entry_kind not in KINDS:
            raise ValueError(f"Unknown kind of entry: {entry_kind}")
        if data is not None and len(data) > MAX_DATA_BYTES:
            raise ClassError(f"That file is too large for the class gallery ({len(data) / 1e6:.1f} MB; at most "
                             f"{MAX_DATA_BYTES / 1e6:.0f} MB).")
        code = codes.normalise_code(code)
        now = time.time()
        with self._transaction() as db:
            info = db.execute(sa.select(classes).where(classes.c.code == code).with_for_update()).mappings().first()
            if info is None:
                raise ClassError("There is no class with that code any more: your work stays on your page.")
            name = db.execute(sa.select(members.c.name)
                              .where(members.c.code == code, members.c.learner == learner)).scalar_one_or_none()
            if name is None:
                raise ClassError("You are not in this class: join it again from the sidebar.")
            if KINDS[entry_kind] not in info["open_rounds"].split():
                raise ClassError(f"The teacher has closed the {KINDS[entry_kind]} round: your work stays on your page.")
            if entry_kind == "text" and any(settings.get("prompt") != info["text_prompt"] for _, settings in items):
                raise ClassError("The class prompt has changed: use the new one to send your texts.")
            recent = db.execute(sa.select(sa.func.count()).select_from(entries).where(
                entries.c.code == code, entries.c.learner == learner,
                entries.c.created > now - RATE_WINDOW_S)).scalar_one()
            if recent + len(items) > RATE_LIMIT:
                raise ClassError(f"That is a lot at once: at most {RATE_LIMIT} entries a minute each. Wait a moment "
                                 "and send again.")
            total = db.execute(sa.select(sa.func.count()).select_from(entries)
                               .where(entries.c.code == code)).scalar_one()
            if total + len(items) > MAX_ENTRIES:
                raise ClassError("The class holds as many entries as it can: the teacher can clear it.")
            if entry_kind == "guess":  # one guess per learner and prompt: a new one replaces it
                db.execute(entries.delete().where(entries.c.code == code, entries.c.learner == learner,
                                                  entries.c.kind == "guess"))
            ids = []
            for text, settings in items:
                result = db.execute(entries.insert().values(
                    code=code, learner=learner, name=name, page=page[:40], kind=entry_kind,
                    text=clean_text(text, MAX_TEXT_CHARS[entry_kind]), settings=json.dumps(_clean_settings(settings)),
                    data=data, created=now, hidden=False))
                new_id = result.inserted_primary_key
                assert new_id is not None
                ids.append(int(new_id[0]))
            db.execute(classes.update().where(classes.c.code == code).values(active=now))
        return ids

    def entries(self, code: str, kinds: tuple[str, ...] | None = None, include_hidden: bool = False,
                with_data: bool = False, learner: str | None = None) -> list[Entry]:
        """The class's entries, oldest first (pictures and sounds without their bytes unless `with_data`)."""
        columns = [entries.c[name] for name in ("id", "learner", "name", "page", "kind", "text", "settings",
                                                "created", "hidden")]
        if with_data:
            columns.append(entries.c.data)
        query = sa.select(*columns).where(entries.c.code == codes.normalise_code(code)).order_by(entries.c.id)
        if kinds:
            query = query.where(entries.c.kind.in_(kinds))
        if not include_hidden:
            query = query.where(entries.c.hidden.is_(False))
        if learner is not None:
            query = query.where(entries.c.learner == learner)
        with self._transaction(write=False) as db:
            rows = db.execute(query).mappings().all()
        return [Entry(row["id"], row["learner"], row["name"], row["page"], row["kind"], row["text"],
                      json.loads(row["settings"]), row["created"], bool(row["hidden"]),
                      row["data"] if with_data else None) for row in rows]

    def entry_data(self, code: str, entry_id: int) -> bytes | None:
        """One visible entry's picture or sound."""
        with self._transaction(write=False) as db:
            return db.execute(sa.select(entries.c.data).where(
                entries.c.code == codes.normalise_code(code), entries.c.id == int(entry_id),
                entries.c.hidden.is_(False))).scalar_one_or_none()

    def export(self, code: str) -> dict[str, Any]:
        """Everything the class holds (pictures and sounds as base64), for the teacher's download and the CLI."""
        info = self.get_class(code)
        if info is None:
            raise ClassError("There is no class with that code.")
        with self._transaction(write=False) as db:
            people = db.execute(sa.select(members.c.name, members.c.joined, members.c.teacher)
                                .where(members.c.code == info.code).order_by(members.c.joined)).all()
        return {
            "code": info.code, "created": _iso(info.created), "text_prompt": info.text_prompt,
            "guess_prompt": info.guess_prompt, "open_rounds": sorted(info.open_rounds), "feedback": info.feedback,
            "learners": [{"name": name, "joined": _iso(joined), "teacher": bool(teacher)}
                         for name, joined, teacher in people],
            "entries": [entry_record(entry) for entry in self.entries(info.code, include_hidden=True, with_data=True)],
        }

    # --- a learner's own work ----------------------------------------------------------------------

    def save_work(self, learner: str, page: str, name: str, payload: Any) -> None:
        """Keep one piece of a learner's work (JSON-able), replacing what was kept under the same name."""
        _check_learner(learner)
        text = json.dumps(payload)
        if len(text) > MAX_WORK_BYTES:
            raise ClassError(f"This is too much to keep ({len(text) / 1e6:.1f} MB; at most "
                             f"{MAX_WORK_BYTES / 1e6:.0f} MB): it stays for this visit only.")
        key = {"learner": learner, "page": page, "name": name}
        with self._transaction() as db:
            done = db.execute(work.update().where(work.c.learner == learner, work.c.page == page,
                                                  work.c.name == name).values(payload=text, updated=time.time()))
            if not done.rowcount:
                db.execute(work.insert().values(**key, payload=text, updated=time.time()))

    def load_work(self, learner: str, page: str, name: str) -> Any | None:
        with self._transaction(write=False) as db:
            text = db.execute(sa.select(work.c.payload).where(work.c.learner == learner, work.c.page == page,
                                                              work.c.name == name)).scalar_one_or_none()
        return None if text is None else json.loads(text)

    def forget_learner(self, learner: str) -> None:
        """'Forget my work': the learner's saved work, their entries in every class and their memberships."""
        with self._transaction() as db:
            db.execute(work.delete().where(work.c.learner == learner))
            db.execute(entries.delete().where(entries.c.learner == learner))
            db.execute(members.delete().where(members.c.learner == learner))

    # --- housekeeping ------------------------------------------------------------------------------

    def purge_expired(self, now: float | None = None) -> None:
        """Delete classes and saved work untouched for longer than the retention period (at most hourly)."""
        now = time.time() if now is None else now
        with self._purge_lock:
            if now - self._purged < 3_600 and now >= self._purged:
                return
            self._purged = now
        cutoff = now - self.retention_s
        with self._transaction() as db:
            old = [code for (code,) in db.execute(sa.select(classes.c.code).where(classes.c.active < cutoff))]
            for table in (entries, members):
                db.execute(table.delete().where(table.c.code.in_(old)))
            db.execute(classes.delete().where(classes.c.code.in_(old)))
            db.execute(work.delete().where(work.c.updated < cutoff))

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[Connection]:
        """One transaction. A writing one on SQLite takes the write lock at its start (BEGIN IMMEDIATE), so its
        checks (rate limit, free names, caps) see every earlier write; on PostgreSQL the class's row is locked
        (SELECT ... FOR UPDATE) by the methods that check and then write."""
        try:
            with self._engine.connect() as db:
                db.info["write"] = write  # read by SQLite's begin listener
                with db.begin():
                    yield db
        except sa.exc.SQLAlchemyError as error:
            raise StoreUnavailable(_unavailable_message(error)) from None


def entry_record(entry: Entry) -> dict[str, Any]:
    """One entry as plain JSON: what `class show --json` prints and the export holds."""
    record: dict[str, Any] = {"id": entry.id, "name": entry.name, "page": entry.page, "kind": entry.kind,
                              "text": entry.text, "settings": entry.settings, "time": _iso(entry.created),
                              "hidden": entry.hidden}
    if entry.data is not None:
        record["data_base64"] = base64.b64encode(entry.data).decode("ascii")
    return record


def entries_csv(entries_: list[Entry]) -> str:
    """The entries as CSV (without pictures and sounds), for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "time", "name", "page", "kind", "text", "settings", "hidden"])
    for entry in entries_:
        writer.writerow([entry.id, _iso(entry.created), _cell(entry.name), entry.page, entry.kind, _cell(entry.text),
                         _cell(json.dumps(entry.settings, ensure_ascii=False)), entry.hidden])
    return out.getvalue()


def _cell(text: str) -> str:
    """A learner's text as a spreadsheet shows it, not as a formula it runs ('=HYPERLINK(...)' stays text)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_setup(connection: Any, _record: Any) -> None:
            connection.isolation_level = None  # Python's sqlite3 would begin only at the first write
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers (the projector) never wait for a writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(db: Connection) -> None:
            db.exec_driver_sql("BEGIN IMMEDIATE" if db.info.get("write", True) else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=10)


def _unavailable_message(error: Exception) -> str:
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:160]
    lowered = detail.lower()
    if "full" in lowered or "no space" in lowered:
        why = "the disk is full"
    elif "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        why = "it cannot be written to"
    else:
        why = "it cannot be reached"
    return (f"The class database is not working ({why}: {detail}). Class features are off for now; everything "
            "else works.")


def _check_learner(learner: str) -> None:
    if not codes.valid_learner_id(learner):
        raise ClassError("This browser has no valid learner id; reload the page.")


def _free_name(db: Connection, code: str, count: int) -> str:
    taken = {name for (name,) in db.execute(sa.select(members.c.name).where(members.c.code == code))}
    base = f"{_COLOURS[count % len(_COLOURS)]} {_NAMES[(count // len(_COLOURS)) % len(_NAMES)]}"
    name, number = base, 2
    while name in taken:
        name, number = f"{base} {number}", number + 1
    return name


def _clean_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as plain JSON values, each text cleaned and capped (the projector shows them too)."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return clean_text(value, MAX_TEXT_CHARS["text"])
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            return value if value == value and abs(value) != float("inf") else None
        if isinstance(value, (list, tuple)):
            return [clean(item) for item in list(value)[:50]]
        if isinstance(value, dict):
            return {str(key)[:40]: clean(item) for key, item in list(value.items())[:50]}
        return clean_text(str(value), 200)
    return clean(dict(settings))


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))
