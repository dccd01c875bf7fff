"""opendata."""
