"""PDF certificates of credentials."""
