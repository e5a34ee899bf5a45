"""The W3C VC-API endpoints: issue, verify credentials and presentations."""
