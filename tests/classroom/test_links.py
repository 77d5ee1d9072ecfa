"""The join link, the teacher link and the QR code."""

from __future__ import annotations

import io

from PIL import Image

from genai_demo.classroom import links


def test_the_app_base_drops_page_parameters_and_fragment():
    assert links.app_base("http://10.0.0.5:8501/class_room?class=K7QH2M#x") == "http://10.0.0.5:8501"
    assert links.app_base("https://school.example/genai/text_generation?a=1") == "https://school.example/genai"
    assert links.app_base("http://localhost:8501/") == "http://localhost:8501"


def test_the_join_link_carries_the_code_and_the_teacher_link_the_key_too():
    assert links.join_link("http://host:8501/", "K7QH2M") == "http://host:8501/class_room?class=K7QH2M"
    teacher = links.teacher_link("http://host:8501", "K7QH2M", "s3cret_key-1")
    assert teacher == "http://host:8501/class_room?class=K7QH2M&teacher=s3cret_key-1"


def test_the_qr_code_is_a_square_black_and_white_picture():
    picture = Image.open(io.BytesIO(links.qr_png("http://host:8501/class_room?class=K7QH2M")))
    assert picture.width == picture.height >= 200
    assert set(picture.convert("L").getdata()) == {0, 255}
