"""API: cohorts of a programme, their participants, CSV imports and invitations.

Imports take the CSV as a multipart upload (field ``file``) or as the raw body
(``Content-Type: text/csv``), and ``dry_run=true|false``. A dry run answers 200 with the
preview (rows, per-row errors and warnings) and writes nothing; a real import answers 200 with
the same document once everything is saved, or 422 problem+json listing every error (with its
``row`` = line number) and the preview under ``preview`` — nothing is saved then.

The routes are in :mod:`.routes`, the JSON shapes (and the OpenAPI schemas) in :mod:`.schemas`;
importing this package registers the routes on the ``/api/v1`` blueprint.
"""

from badge_service.cohorts.api import routes  # noqa: F401 (importing registers the routes)
