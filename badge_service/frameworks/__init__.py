"""Competency frameworks: versions, items, levels, CASE import and export."""
