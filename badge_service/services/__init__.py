"""Domain services. Each takes a SQLAlchemy session and its collaborators (the acting user,
``now``, mailers …), flushes but never commits, and raises :mod:`badge_service.errors`."""
