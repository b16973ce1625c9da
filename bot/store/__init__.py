"""Storage on SQLite through aiosqlite: schema, migrations and repositories."""
