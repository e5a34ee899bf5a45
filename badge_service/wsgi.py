"""WSGI entry point for gunicorn: ``gunicorn badge_service.wsgi:app``."""

from badge_service import create_app

app = create_app()
