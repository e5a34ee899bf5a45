"""What a portfolio does: evidence items and their versions (items), their files (files), the
competences they may be tagged with (competences)."""

from badge_service.portfolios.service import competences, files, items
from badge_service.portfolios.service.files import FileRules, Upload

__all__ = ["FileRules", "Upload", "competences", "files", "items"]
