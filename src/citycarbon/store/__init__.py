"""Storage adapter: the system of record on SQLite (embedded default) or PostgreSQL."""
