"""Accounts: users, passwords, sign-in sessions, API tokens."""
