"""Package → CSV text (format in :mod:`badge_service.formats.case.csv_read`), spreadsheet-safe."""

from __future__ import annotations

import csv
import io

from badge_service.formats.case.csv_read import DOCUMENT_ROW
from badge_service.formats.case.model import Package, tree_order
from badge_service.formats.csv_table import spreadsheet_safe


def build_csv(package: Package, *, bom: bool = False) -> str:
    """The package as CSV text (format in :mod:`badge_service.formats.case.csv_read`). Cells
    that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) get a leading
    apostrophe, which :func:`~badge_service.formats.case.csv_read.parse_csv` removes.
    ``bom``: start with U+FEFF, so that Excel reads UTF-8."""
    languages = ["fr", "en"]
    for values in ([package.title_i18n, package.description_i18n]
                   + [i.labels for i in package.items] + [i.statements for i in package.items]):
        languages += [lang for lang in values if lang not in languages]
    columns = ["identifier", "parent_identifier", "human_code", "item_type",
               *(f"label_{lang}" for lang in languages),
               *(f"statement_{lang}" for lang in languages),
               "position", "type_title", "language", "associations"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    document = {"identifier": package.identifier, "item_type": DOCUMENT_ROW,
                "language": package.language,
                **{f"label_{k}": v for k, v in package.title_i18n.items()},
                **{f"statement_{k}": v for k, v in package.description_i18n.items()}}
    writer.writerow([spreadsheet_safe(document.get(column, "")) for column in columns])
    links: dict[str, list[str]] = {}
    for association in sorted(package.associations,
                              key=lambda a: (a.order is None, a.order or 0)):
        links.setdefault(association.origin, []).append(
            f"{association.association_type}:{association.destination}")
    for item in tree_order(package.items):
        row = {"identifier": item.identifier, "parent_identifier": item.parent or "",
               "human_code": item.human_code or "", "item_type": item.item_type,
               "position": str(item.position), "type_title": item.type_title or "",
               "language": item.language if item.language != package.language else "",
               "associations": " ".join(links.get(item.identifier, [])),
               **{f"label_{k}": v for k, v in item.labels.items()},
               **{f"statement_{k}": v for k, v in item.statements.items()}}
        writer.writerow([spreadsheet_safe(row.get(column, "")) for column in columns])
    return ("\ufeff" if bom else "") + out.getvalue()
