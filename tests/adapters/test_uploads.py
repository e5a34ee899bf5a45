"""Image uploads: PNG/SVG decided by content, PNG structure checked, SVG parsed safely and
sanitised, size limit, content-addressed storage, and how stored images are served."""

from __future__ import annotations

import hashlib
import struct
import zlib
from xml.dom.minidom import parseString

import pytest
from factories import tiny_png

from badge_service.adapters import uploads
from badge_service.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

LIMIT = 100_000


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int = 1, height: int = 1, depth: int = 8, colour: int = 6) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (uploads.PNG_SIGNATURE + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 5)) + _chunk(b"IEND", b""))


def _svg(body: str, attrs: str = "") -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" {attrs}>{body}</svg>').encode()


def _clean(data: bytes) -> tuple[str, tuple[str, ...]]:
    checked = uploads.check_image(data, max_bytes=LIMIT)
    assert checked.kind == "svg"
    text = checked.data.decode()
    parseString(checked.data)  # still well-formed XML
    return text, checked.removed


# --- PNG -------------------------------------------------------------------------------------


def test_png_accepted_by_content():
    checked = uploads.check_image(tiny_png(), max_bytes=LIMIT)
    assert (checked.kind, checked.content_type, checked.width, checked.height) == (
        "png", "image/png", 1, 1)
    assert checked.data == tiny_png()


@pytest.mark.parametrize(("data", "message"), [
    (uploads.PNG_SIGNATURE, "truncated"),
    (tiny_png()[:-6], "truncated"),
    (tiny_png() + b"<script>alert(1)</script>", "data after its end"),
    (tiny_png()[:23] + b"\x02" + tiny_png()[24:], "corrupt (CRC)"),
    (uploads.PNG_SIGNATURE + _chunk(b"IDAT", b"") + _chunk(b"IEND", b""), "IHDR"),
    (_png(width=0), "each side must be"),
    (_png(width=20_000), "each side must be"),
    (_png(depth=3, colour=2), "colour type"),
    (uploads.PNG_SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
     + _chunk(b"IEND", b""), "no image data"),
])
def test_broken_pngs_are_refused(data, message):
    with pytest.raises(ValidationFailed) as caught:
        uploads.check_image(data, max_bytes=LIMIT)
    assert message in caught.value.errors[0].message
    assert caught.value.errors[0].field == "image"


@pytest.mark.parametrize("data", [
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"\xff\xd8\xff\xe0\x00\x10JFIF",
    b"%PDF-1.7\n",
    b"hello, world",
    b"\x00\x00\x00",
])
def test_other_types_are_unsupported(data):
    with pytest.raises(UnsupportedMediaType) as caught:
        uploads.check_image(data, max_bytes=LIMIT, field_name="file")
    assert caught.value.errors[0].field == "file"


def test_size_limit_and_empty_file():
    with pytest.raises(PayloadTooLarge):
        uploads.check_image(tiny_png(), max_bytes=len(tiny_png()) - 1)
    with pytest.raises(ValidationFailed, match="empty"):
        uploads.check_image(b"", max_bytes=LIMIT)


def test_read_limited_stops_at_the_limit():
    import io

    stream = io.BytesIO(b"x" * 1000)
    with pytest.raises(PayloadTooLarge):
        uploads.read_limited(stream, 100)
    assert stream.tell() == 101  # never read the rest
    assert uploads.read_limited(io.BytesIO(b"abc"), 3) == b"abc"


# --- SVG -------------------------------------------------------------------------------------


def test_a_clean_svg_keeps_its_drawing():
    source = _svg('<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
                  '<circle r="4" fill="url(#g)"/><use xlink:href="#g"/><text>Été</text>'
                  '<image href="data:image/png;base64,iVBORw0KGgo="/>', 'viewBox="0 0 8 8"')
    text, removed = _clean(source)
    assert removed == ()
    for kept in ('fill="url(#g)"', 'xlink:href="#g"', "Été", 'viewBox="0 0 8 8"',
                 'href="data:image/png;base64,iVBORw0KGgo="'):
        assert kept in text


def test_svg_sanitising_removes_active_content():
    source = _svg(
        '<script>alert(1)</script>'
        '<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(2)</svg:script>'
        '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>'
        '<html:iframe xmlns:html="http://www.w3.org/1999/xhtml" src="https://evil.example"/>'
        '<a href="javascript:alert(3)"><circle r="1" onclick="alert(4)" onMouseOver="x()"/></a>'
        '<image xlink:href="https://tracker.example/pixel.png"/>'
        '<use href="https://evil.example/sprite.svg#icon"/>'
        '<rect style="fill: url(https://evil.example/x)" width="1" height="1"/>'
        '<style>@import url(https://evil.example/a.css); rect { fill: red }</style>'
        '<set attributeName="href" to="javascript:alert(5)"/>'
        '<animate attributeName="opacity" values="0;1" dur="1s"/>'
        '<g xml:base="https://evil.example/"><rect width="2" height="2"/></g>',
        attrs='onload="alert(6)"')
    text, removed = _clean(b'<?xml-stylesheet href="https://evil.example/s.css"?>' + source)
    lowered = text.lower()
    for gone in ("alert", "script", "foreignobject", "iframe", "javascript:", "evil.example",
                 "tracker.example", "onclick", "onmouseover", "onload", "@import", "<set",
                 "xml:base", "xml-stylesheet"):
        assert gone not in lowered, gone
    for kept in ("<circle", "<rect", '<animate attributeName="opacity"', "<style", "<a"):
        assert kept in text, kept
    assert "<script> element" in removed
    assert "event handler attribute onload" in removed
    assert "external reference xlink:href" in removed


@pytest.mark.parametrize(("data", "message"), [
    (b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
     "DTD"),
    (b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
     b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg '
     b'xmlns="http://www.w3.org/2000/svg"/>', "DTD"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><circle></svg>', "not well-formed"),
    (b'<svg><circle r="1"/></svg>', "not an SVG <svg> element"),
    (b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "root element is <html>"),
    (b"<?xml version='1.0'?>", "not well-formed"),
])
def test_unsafe_or_broken_svgs_are_refused(data, message):
    with pytest.raises(ValidationFailed) as caught:
        uploads.check_image(data, max_bytes=LIMIT)
    assert message in caught.value.errors[0].message


def test_billion_laughs_is_refused_quickly():
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    bomb = (f'<?xml version="1.0"?><!DOCTYPE svg [{"".join(entities)}]>'
            '<svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>').encode()
    with pytest.raises(ValidationFailed):
        uploads.check_image(bomb, max_bytes=LIMIT)


def test_deeply_nested_svg_is_refused_not_crashed_on():
    data = _svg("<g>" * 5000 + "<script>x</script>" + "</g>" * 5000)
    with pytest.raises(ValidationFailed, match="levels deep"):
        uploads.check_image(data, max_bytes=10_000_000)
    checked = uploads.check_image(_svg("<g>" * 150 + "<script>x</script>" + "</g>" * 150),
                                  max_bytes=LIMIT)
    assert b"<script" not in checked.data


def test_svg_with_bom_and_whitespace_is_recognised():
    checked = uploads.check_image(b"\xef\xbb\xbf\n  " + _svg("<circle r='1'/>"),
                                  max_bytes=LIMIT)
    assert checked.kind == "svg"


# --- storage and serving ---------------------------------------------------------------------


def test_store_by_content_hash(tmp_path):
    stored = uploads.store_image(tiny_png(), upload_dir=tmp_path, max_bytes=LIMIT)
    assert stored.name == hashlib.sha256(tiny_png()).hexdigest() + ".png"
    assert (tmp_path / stored.name).read_bytes() == tiny_png()
    again = uploads.store_image(tiny_png(), upload_dir=tmp_path, max_bytes=LIMIT)
    assert again == stored
    assert sorted(p.name for p in tmp_path.iterdir()) == [stored.name]  # no temporary left

    svg = uploads.store_image(_svg("<script/><circle r='1'/>"), upload_dir=tmp_path,
                              max_bytes=LIMIT)
    data = (tmp_path / svg.name).read_bytes()
    assert svg.name == hashlib.sha256(data).hexdigest() + ".svg"  # the sanitised bytes
    assert b"script" not in data
    assert svg.content_type == "image/svg+xml"


def test_path_of_accepts_only_stored_names(tmp_path):
    stored = uploads.store_image(tiny_png(), upload_dir=tmp_path, max_bytes=LIMIT)
    assert uploads.path_of(tmp_path, stored.name) == tmp_path / stored.name
    for name in ("../secret_key", "x.png", stored.name.upper(), stored.name[:-4] + ".html",
                 "a" * 64 + ".png"):
        assert uploads.path_of(tmp_path, name) is None


def test_served_with_safe_headers(app, client):
    folder = app.config["UPLOAD_DIR"]
    png = uploads.store_image(tiny_png(), upload_dir=folder, max_bytes=LIMIT)
    svg = uploads.store_image(_svg("<circle r='1'/>"), upload_dir=folder, max_bytes=LIMIT)

    response = client.get(f"/uploads/{png.name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == tiny_png()
    assert "immutable" in response.headers["Cache-Control"]

    response = client.get(f"/uploads/{svg.name}")
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert csp == uploads.SVG_CSP  # this view's own policy, not the generic one
    assert "default-src 'none'" in csp
    assert "sandbox" in csp
    assert "script-src" not in csp  # no script source allowed at all

    assert client.get("/uploads/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/uploads/..%2Fsecret_key").status_code == 404
    assert client.get("/uploads/secret_key").status_code == 404


def test_a_png_declaring_too_many_pixels_is_refused_from_its_header(monkeypatch):
    # 20000×20000 declared, a few bytes of image data: decoding it would need 1.6 GB. The
    # refusal comes from the header; no decoder is even opened.
    from PIL import Image

    def no_decoding(*args, **kwargs):
        raise AssertionError("the image was opened for decoding")

    monkeypatch.setattr(Image, "open", no_decoding)
    with pytest.raises(ValidationFailed) as caught:
        uploads.check_image(_png(width=20_000, height=20_000), max_bytes=LIMIT)
    assert caught.value.errors[0].message.startswith(
        "the PNG is 20000×20000 pixels (400.0 megapixels); at most 16,777,216 pixels")
    # Within each side's limit, still too many pixels for the default (4096×4096).
    with pytest.raises(ValidationFailed, match="5000×5000 pixels"):
        uploads.check_image(_png(width=5000, height=5000), max_bytes=LIMIT)


def test_the_pixel_limit_is_the_image_max_pixels_setting(app):
    assert app.config["IMAGE_MAX_PIXELS"] == uploads.DEFAULT_MAX_PIXELS == 4096 * 4096
    assert uploads.check_image(_png(width=4096, height=4096), max_bytes=LIMIT).width == 4096
    app.config["IMAGE_MAX_PIXELS"] = 100 * 100
    with app.app_context():
        with pytest.raises(ValidationFailed, match="at most 10,000 pixels"):
            uploads.check_image(_png(width=101, height=100), max_bytes=LIMIT)
        assert uploads.check_image(_png(width=100, height=100), max_bytes=LIMIT).width == 100


def test_the_pixel_limit_comes_from_badge_image_max_pixels(tmp_path):
    from badge_service import config

    settings = config.load(tmp_path, {}, environ={"BADGE_IMAGE_MAX_PIXELS": "10000"})
    assert settings["IMAGE_MAX_PIXELS"] == 10_000
    for wrong in ("0", "89478486"):
        with pytest.raises(config.ConfigError, match="IMAGE_MAX_PIXELS"):
            config.load(tmp_path, {}, environ={"BADGE_IMAGE_MAX_PIXELS": wrong})


def test_pillows_decompression_bomb_guard_is_handled(monkeypatch):
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # refuses above 2×10 pixels
    with pytest.raises(ValidationFailed, match="5×5 pixels"):
        uploads.check_image(_png(width=5, height=5), max_bytes=LIMIT, max_pixels=100)
