"""Commitment catalogues: the file format, loading, the scoring rule language, and checks."""

from triage.catalogue.load import load_catalogue
from triage.catalogue.schema import Catalogue, Commitment, Dimension, Member

__all__ = ["Catalogue", "Commitment", "Dimension", "Member", "load_catalogue"]
