"""The home page, the dashboard, problem type pages and the health check."""
