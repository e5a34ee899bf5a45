"""The demo instance: organisations, frameworks, programmes and a cohort from the fixtures."""
