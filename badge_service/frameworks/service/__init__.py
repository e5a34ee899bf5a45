"""Competency frameworks: import and export (CASE 1.1 JSON, CSV), versions, drafts, items.

Rules:

- Importing a package whose CFDocument identifier is new creates a framework and its version 1,
  published (or a draft on request). Re-importing the same identifier adds the next version when
  the content differs, and changes nothing when it does not.
- A published version never changes (credentials point at its items): every edit goes to a draft
  of the next version, which copies the items with their identifiers. One draft at a time.
- Administrators import and edit shared frameworks (no organisation); coordinators import and
  edit those of their organisation; every logged-in user may read. ``actor=None`` is the operator
  at the command line, who already has the whole database.

Services flush, never commit; they take ``now`` and, where URIs are minted, ``base_url``.

Who may do what is :mod:`badge_service.policy`'s. Modules: :mod:`.lookup` (reading, the item tree),
:mod:`.export` (CASE and CSV exports), :mod:`.importing`, :mod:`.drafts` (versions) and
:mod:`.items` (the items of a draft). This package re-exports their public names, so callers
write ``from badge_service.frameworks import service as fw`` and ``fw.import_file(…)``.
"""

from __future__ import annotations

from badge_service.frameworks.service.drafts import (
    MAX_TEXT,
    create_draft,
    delete_draft,
    publish,
    update_version,
)
from badge_service.frameworks.service.export import (
    export_case,
    export_csv,
    export_filename,
    to_package,
)
from badge_service.frameworks.service.importing import (
    ImportResult,
    import_content,
    import_file,
    import_package,
    import_parsed,
)
from badge_service.frameworks.service.items import (
    add_item,
    delete_item,
    update_item,
)
from badge_service.frameworks.service.lookup import (
    current_version,
    descendants,
    draft_of,
    find,
    find_item,
    get,
    get_item,
    get_version,
    latest_version,
    levels,
    list_query,
    rubrics,
    stored_items,
    title_of,
    tree,
)

__all__ = [
    "MAX_TEXT",
    "ImportResult",
    "add_item",
    "create_draft",
    "current_version",
    "delete_draft",
    "delete_item",
    "descendants",
    "draft_of",
    "export_case",
    "export_csv",
    "export_filename",
    "find",
    "find_item",
    "get",
    "get_item",
    "get_version",
    "import_content",
    "import_file",
    "import_package",
    "import_parsed",
    "latest_version",
    "levels",
    "list_query",
    "publish",
    "rubrics",
    "stored_items",
    "title_of",
    "to_package",
    "tree",
    "update_item",
    "update_version",
]
