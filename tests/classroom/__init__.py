"""Tests of the class store: codes, cleaning, the store on SQLite and PostgreSQL, links, summaries, the CLI."""
