"""The analyst web app: server-rendered pages over the review service (no logic of its own).

`create_app(settings)` builds it; `serve(settings, host, port)` runs it with uvicorn.
"""

from triage.web.app import create_app, serve

__all__ = ["create_app", "serve"]
