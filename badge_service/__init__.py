"""badge_service — the Flask application (built in later issues; the CLI is usable now)."""
