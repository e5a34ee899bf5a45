"""Delivery: a credential's public page, downloads and the holder's own list."""
