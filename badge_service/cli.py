"""The ``badge-service`` command line.

The ``credentials`` commands work offline, without an application instance or database; the
service commands (init, db, users, demo, serve …) join this group as the service grows.
"""

from __future__ import annotations

import click

from credentials.cli import credentials_group


@click.group()
@click.version_option(package_name="badge-service")
def main() -> None:
    """Open Badges 3.0 issuing and verification for teacher-training organisations."""


main.add_command(credentials_group)
