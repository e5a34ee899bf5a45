"""``python -m badge_service`` is the ``badge-service`` command."""

from badge_service.cli import main

main()
