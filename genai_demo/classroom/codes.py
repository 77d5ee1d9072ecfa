"""Class codes, teacher keys and learner ids: made at random, checked without leaking them."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TypeGuard

# No 0/O, 1/I/L or 5/S: a code read off a projector from the back of the room is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"
CODE_LENGTH = 6
_LEARNER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_code() -> str:
    """A short class code such as 'K7QH2M'."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """A code as typed (spaces, dashes, lower case) in its one written form; '' when it cannot be a code."""
    code = re.sub(r"[\s-]", "", typed or "").upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return ""
    return code


def new_teacher_key() -> str:
    """The teacher's secret: only its hash is stored, and it never reaches a learner's page."""
    return secrets.token_urlsafe(18)


def hash_key(key: str) -> str:
    """The stored form of a teacher key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def key_matches(key: str, stored_hash: str) -> bool:
    """True when `key` is the teacher key whose hash is stored (compared in constant time)."""
    return hmac.compare_digest(hash_key(key), stored_hash)


def new_learner_id() -> str:
    """A learner's random id: kept in a browser cookie, it finds their saved work again."""
    return secrets.token_urlsafe(18)


def valid_learner_id(value: object) -> TypeGuard[str]:
    """True for a string shaped like the ids `new_learner_id` makes (a cookie can hold anything)."""
    return isinstance(value, str) and _LEARNER_ID.match(value) is not None
