"""Awards: issuing signed credentials to participants, revoking and suspending them."""
