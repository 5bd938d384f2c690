"""Roster upload page (placeholder until the importer lands)."""

from fastapi import APIRouter

router = APIRouter()
