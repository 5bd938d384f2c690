"""Rubrics as versioned data: YAML files validated by pydantic, stored immutably once used."""
