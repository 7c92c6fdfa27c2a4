"""Imports of work done before Triage: evidence gathered in documents, published score tables."""
