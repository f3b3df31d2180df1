"""The platform core: app factory, config, database, accounts, metadata, packages, CLI."""
