"""Imports every table model so the metadata is complete (Alembic, tests)."""

from sqlmodel import SQLModel

from server.accounts import models as accounts_models
from server.audit import models as audit_models
from server.coaching import models as coaching_models
from server.growth import models as growth_models
from server.observations import models as observations_models
from server.roster import models as roster_models
from server.rubrics import models as rubrics_models
from server.sync import models as sync_models

__all__ = [
    "SQLModel",
    "accounts_models",
    "audit_models",
    "coaching_models",
    "growth_models",
    "observations_models",
    "roster_models",
    "rubrics_models",
    "sync_models",
]

metadata = SQLModel.metadata
