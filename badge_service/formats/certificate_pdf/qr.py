"""The QR code to the credential's public page, drawn as vector modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code modules of ``url`` (error correction M), without quiet zone."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """A vector QR code in the square (x, y, size), with its 4-module quiet zone inside."""
    matrix = qr_matrix(url)
    count = len(matrix)
    module = size / (count + 8)
    canvas.saveState()
    canvas.setFillColor("#ffffff")
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor("#000000")
    origin_x, origin_y = x + 4 * module, y + size - 4 * module
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        column = 0
        while column < count:
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < count and cells[column]:
                column += 1
            path.rect(origin_x + start * module, origin_y - (row + 1) * module,
                      (column - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
