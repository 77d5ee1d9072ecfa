"""A class's links: the join link everyone may see, the teacher link with its key, and the join QR code."""

from __future__ import annotations

import io
from urllib.parse import urlencode, urlsplit, urlunsplit

CLASS_PARAM = "class"  # ?class=CODE on any page: the learner is in that class
TEACHER_PARAM = "teacher"  # ?teacher=KEY beside it: the teacher's link (read once, then removed from the address)
CLASS_PAGE = "class_room"  # the projector view's address path


def app_base(url: str) -> str:
    """The app's address without page, parameters or fragment: http://host:8501/class_room?x=1 -> http://host:8501.
    An app served under a path prefix keeps everything up to its last path part."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1].replace("_", "").isalnum() and path.count("/") >= 1:
        path = path.rsplit("/", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")).rstrip("/")


def join_link(base: str, code: str) -> str:
    """The link learners open to join: the class's projector view with its code."""
    return f"{base.rstrip('/')}/{CLASS_PAGE}?{urlencode({CLASS_PARAM: code})}"


def teacher_link(base: str, code: str, key: str) -> str:
    """The teacher's link: the join link with the secret key beside the code."""
    return f"{base.rstrip('/')}/{CLASS_PAGE}?{urlencode({CLASS_PARAM: code, TEACHER_PARAM: key})}"


def qr_png(link: str, box_size: int = 10) -> bytes:
    """The link as a QR code picture (PNG), black on white with the standard quiet border."""
    import qrcode

    code = qrcode.QRCode(box_size=box_size, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(link)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()
