"""The accounts services: users and roles, sign-in sessions, email links, password hashing."""
