"""Cohorts: a programme's participants, CSV imports and invitations."""
