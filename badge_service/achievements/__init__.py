"""Achievements: the badges of a programme, their alignment and composite rules."""
