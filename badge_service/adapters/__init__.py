"""Adapters to the world outside the process: signing keys, outbound HTTP, mail, uploaded files."""
