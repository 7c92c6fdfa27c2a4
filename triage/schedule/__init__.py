"""Scheduling: APScheduler 3 jobs persisted in the Triage database, made exclusive by leases."""
