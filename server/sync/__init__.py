"""Offline sync: push mutations, pull changes, conflicts, API tokens (docs/sync.md)."""
