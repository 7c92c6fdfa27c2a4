"""The analyst web app: server-rendered pages over the review service (no logic of its own).

`create_app(settings)` builds it; `triage.server.serve` runs it with uvicorn.
"""

from triage.web.app import create_app

__all__ = ["create_app"]
