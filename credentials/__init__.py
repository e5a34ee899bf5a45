"""Build, sign, verify, bake and revoke Open Badges 3.0 credentials.

A pure library: it never imports flask, sqlalchemy or badge_service, performs no network access of
its own, and reads no clock. Collaborators (signer, document loader, DID resolver, status-list
fetcher, ``now``) are arguments. Functions return new objects and never mutate their inputs;
:func:`credentials.verify.verify` reports every check and never raises on bad input.
"""
