"""Triage: daily monitoring of summit commitments for the G7 Research Group.

Data flows source -> fetch -> parse -> item -> classify -> suggestion ->
decision -> score -> export; each stage lives in the module named for it.
"""

__version__ = "0.1.0"
