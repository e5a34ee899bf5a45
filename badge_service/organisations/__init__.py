"""Organisations: the issuers, their coordinators and their did:web documents."""
