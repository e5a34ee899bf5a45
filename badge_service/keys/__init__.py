"""Signing keys of organisations: compromise and rotation records."""
