"""Verification for everyone: the /verify page and POST /api/v1/verify."""
