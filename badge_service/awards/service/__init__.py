"""The awards services: signing and storing, batch sizes, status changes.

Who may award is :mod:`badge_service.policy`'s; the conformance check before issue is
:mod:`badge_service.formats.conformance`'s (status lists and the VC-API sign too).
"""
