"""Running the web app under uvicorn, for `triage serve` and the demo.

uvicorn loads the app by its import string, the form its multi-worker mode needs, so the
CLI starts the web app without importing it (the two layers stay independent). Settings the
command changed on top of the environment are handed to the app through the environment,
which is where every worker process reads them.
"""

from __future__ import annotations

import json
import os

from pydantic import SecretStr

from triage import db
from triage.config import Settings, env_names

APP = "triage.web.app:app_from_environment"


def export_settings(settings: Settings) -> None:
    """Put every setting that differs from what the environment gives into the environment."""
    base = Settings()
    for name in Settings.model_fields:
        value, default = getattr(settings, name), getattr(base, name)
        if value == default:
            continue
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, dict | list):
            text = json.dumps(value)
        elif value is None:
            continue
        else:
            text = str(value)
        os.environ[env_names(name)[0]] = text


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve until interrupted."""
    import uvicorn

    db.require_schema(settings.database_url)
    export_settings(settings)
    from triage import logs

    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=logs.uvicorn_config(settings.log_level, settings.log_format),
        proxy_headers=False,
    )
