"""Test doubles that ship with Triage, for its tests, its benchmarks and anyone trying it out."""
