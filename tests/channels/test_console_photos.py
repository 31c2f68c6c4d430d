"""Console event photos (issue 12, point 2): the upload is blurred before it is stored,
the original never reaches the database or the disk, refusals are clear 4xx pages, boxes
by hand, confirm, remove, permissions and the audit log."""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from handlers import photo_privacy as pp
from models import event_photos as ph
from models.audit import AuditEntry
from models.base import Base
from models.db import db
from tests.booking_factories import venue_event
from tests.console_helpers import csrf, login, make_staff

skdata = pytest.importorskip("skimage.data")


@pytest.fixture
def event_id(app):
    with db.unit_of_work() as s:
        event = venue_event(s)
        s.commit()
        return event.id


@pytest.fixture
def manager(client):
    make_staff("site1", "site_manager")
    login(client, "site1")
    return client


def astronaut_png() -> bytes:
    """A real photo with a face, as a PNG over 500 KB (Werkzeug would spool that to a
    temporary file by default)."""
    big = np.array(Image.fromarray(skdata.astronaut()).resize((1024, 1024)))
    noise = np.random.default_rng(12).integers(0, 6, big.shape, dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(big + noise).save(out, "PNG")
    data = out.getvalue()
    assert len(data) > 600_000
    return data


def small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.fromarray(skdata.coffee()).save(out, "JPEG")
    return out.getvalue()


def upload(client, event_id: int, data: bytes, name="photo.jpg", caption="受付の様子"):
    path = f"/console/events/{event_id}/photos"
    token = csrf(client, path)
    return client.post(
        path,
        data={"csrf_token": token, "caption": caption, "photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def photo_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return int(re.search(r"/photos/(\d+)$", response.headers["Location"]).group(1))


def post_to(client, path: str, data: dict | None = None, page: str | None = None):
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client, page or path)})


def _same(a: pp.Box, b: pp.Box) -> bool:
    w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    return w > 0 and h > 0 and w * h > min(a.w * a.h, b.w * b.h) / 3


def rows_containing(fragment: bytes) -> list[str]:
    """Every table, every column: where the fragment occurs."""
    hits = []
    with db.reader() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)):
                for column, value in row._mapping.items():
                    raw = value.encode() if isinstance(value, str) else value
                    if isinstance(raw, bytes | memoryview) and fragment in bytes(raw):
                        hits.append(f"{table.name}.{column}")
    return hits


def files_containing(fragment: bytes, roots, since: float) -> list[str]:
    hits = []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                try:
                    st = path.stat()
                    if st.st_mtime < since or st.st_size > 200_000_000 or not path.is_file():
                        continue
                    if fragment in path.read_bytes():
                        hits.append(str(path))
                except OSError:
                    continue
    return hits


def test_the_original_never_reaches_the_database_or_the_disk(
    app, manager, event_id, database_url, monkeypatch
):
    original = astronaut_png()
    # Werkzeug's own stream factory (a temporary file over 500 KB) and every tempfile
    # helper fail loudly if the upload goes near them.
    import werkzeug.wrappers.request as wreq

    def no_disk(*_a, **_k):
        raise AssertionError("the upload went to a temporary file")

    monkeypatch.setattr(wreq, "default_stream_factory", no_disk)
    for helper in ("TemporaryFile", "NamedTemporaryFile", "SpooledTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, helper, no_disk)
    start = time.time() - 1
    photo_id = photo_id_of(upload(manager, event_id, original, name="astronaut.png"))
    monkeypatch.undo()

    with db.reader() as s:
        photo = ph.get_photo(s, photo_id)
        stored = photo.image
        assert photo.status == ph.PENDING and photo.faces_found >= 1
        assert (photo.width, photo.height) == (1024, 1024)
    assert stored.startswith(b"\xff\xd8\xff") and stored != original
    # The stored photo is the blurred one: the face the detector finds is gone.
    rgb = pp.decode(original)
    faces = pp.detect_faces(rgb)
    assert faces
    for hit in pp.detect_faces(pp.decode(stored)):
        assert not any(_same(face, hit) for face in faces)
    fragments = [original[n : n + 64] for n in (len(original) // 3, len(original) // 2)]
    roots = [app.instance_path, tempfile.gettempdir()]
    if database_url.startswith("sqlite:///"):
        roots.append(str(Path(database_url.removeprefix("sqlite:///")).parent))
    for fragment in fragments:
        assert rows_containing(fragment) == []
        assert files_containing(fragment, roots, start) == []
    # Nor do the original pixels: the face region of the stored photo differs entirely.
    assert not np.array_equal(pp.decode(stored)[100:300, 400:560], rgb[100:300, 400:560])


def test_upload_see_blur_by_hand_confirm_and_the_audit_log(client, manager, event_id):
    photo_id = photo_id_of(upload(manager, event_id, small_jpeg()))
    page = manager.get(f"/console/photos/{photo_id}").get_data(as_text=True)
    assert "写真を保存しました。顔がぼかされているか確認してください。" in page
    assert "未確認" in page and f"/console/photos/{photo_id}.jpg" in page
    image = manager.get(f"/console/photos/{photo_id}.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Cache-Control"] == "no-store"

    with db.reader() as s:
        assert ph.confirmed_photos(s, [event_id]) == []
        before = pp.decode(ph.get_photo(s, photo_id).image)
    box = {"x": "100", "y": "100", "w": "150", "h": "120"}
    done = post_to(
        manager, f"/console/photos/{photo_id}/blur", box, page=f"/console/photos/{photo_id}"
    )
    assert done.status_code == 302
    with db.reader() as s:
        photo = ph.get_photo(s, photo_id)
        after = pp.decode(photo.image)
        assert photo.boxes_added == 1
    import cv2

    def detail(rgb):
        grey = cv2.cvtColor(rgb[100:220, 100:250], cv2.COLOR_RGB2GRAY)
        return cv2.Laplacian(grey, cv2.CV_64F).var()

    assert detail(after) < 0.1 * detail(before)

    bad = post_to(manager, f"/console/photos/{photo_id}/blur", {"x": "a", "y": "", "w": "1", "h": "1"},
                  page=f"/console/photos/{photo_id}")  # fmt: skip
    assert bad.status_code == 422
    assert "ぼかす範囲を正しく指定してください" in bad.get_data(as_text=True)

    assert (
        post_to(
            manager, f"/console/photos/{photo_id}/confirm", page=f"/console/photos/{photo_id}"
        ).status_code
        == 302
    )
    with db.reader() as s:
        confirmed = ph.confirmed_photos(s, [event_id, 999])
        assert [p.id for p in confirmed] == [photo_id]
        assert confirmed[0].confirmed_by_account_id is not None and confirmed[0].confirmed_at
        assert [p.id for p in ph.photos_for_event(s, event_id)] == [photo_id]
    assert "確認済み" in manager.get(f"/console/photos/{photo_id}").get_data(as_text=True)

    assert (
        post_to(
            manager, f"/console/photos/{photo_id}/remove", page=f"/console/photos/{photo_id}"
        ).status_code
        == 302
    )
    with db.reader() as s:
        assert ph.confirmed_photos(s, [event_id]) == []
        assert ph.photos_for_event(s, event_id) == []
        assert ph.get_photo(s, photo_id).image == b""
        actions = [(a.actor, a.action) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.target == f"event_photo:{photo_id}").order_by(AuditEntry.id)
        )]  # fmt: skip
    for action in ("upload", "blur_box", "confirm", "remove"):
        assert ("staff:site1", action) in actions
    assert manager.get(f"/console/photos/{photo_id}").status_code == 404


def test_the_event_page_links_to_its_photos(manager, event_id):
    page = manager.get(f"/console/events/{event_id}").get_data(as_text=True)
    assert f"/console/events/{event_id}/photos" in page and "この実施回の写真" in page


@pytest.mark.parametrize(
    ("data", "name", "status", "text"),
    [
        (
            b"%PDF-1.4 hello",
            "photo.jpg",
            415,
            "写真(JPEG・PNG・WebP)ではないため受け付けられません。",
        ),
        (
            b"\xff\xd8\xff\xe0broken" * 20,
            "photo.jpg",
            422,
            "写真のデータが壊れているため読み込めませんでした。",
        ),
        (b"", "", 400, "写真を選んでください。"),
    ],
)
def test_refused_uploads_are_clear_4xx_pages(manager, event_id, data, name, status, text):
    response = upload(manager, event_id, data, name=name)
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert text in body and 'role="alert"' in body
    with db.reader() as s:
        assert ph.photos_for_event(s, event_id) == []


def test_an_oversize_upload_is_413_with_a_message(manager, event_id):
    data = b"\xff\xd8\xff" + os.urandom(pp.MAX_BYTES + 10)
    response = upload(manager, event_id, data)
    assert response.status_code == 413
    assert "写真が大きすぎます。10MB以下の写真にしてください。" in response.get_data(as_text=True)
    huge = b"\xff\xd8\xff" + b"\0" * (pp.MAX_BYTES + 512 * 1024)  # over the body limit too
    response = upload(manager, event_id, huge)
    assert response.status_code == 413
    assert "写真が大きすぎます。" in response.get_data(as_text=True)


def test_who_may_do_what(client, event_id):
    make_staff("site1", "site_manager")
    login(client, "site1")
    photo_id = photo_id_of(upload(client, event_id, small_jpeg()))
    client.post("/console/logout", data={"csrf_token": csrf(client, "/console/inbox")})

    make_staff("worker1", "worker")
    login(client, "worker1")
    assert client.get(f"/console/photos/{photo_id}").status_code == 200  # see and blur
    page = f"/console/photos/{photo_id}"
    assert post_to(client, f"/console/photos/{photo_id}/confirm", page=page).status_code == 403
    assert post_to(client, f"/console/photos/{photo_id}/remove", page=page).status_code == 403
    client.post("/console/logout", data={"csrf_token": csrf(client, "/console/inbox")})

    make_staff("city1", "city_official", approved=True)
    login(client, "city1")
    assert client.get(f"/console/events/{event_id}/photos").status_code == 403
    assert client.get(f"/console/photos/{photo_id}.jpg").status_code == 403
