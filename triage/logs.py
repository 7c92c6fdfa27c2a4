"""Logging for the long-running commands: plain lines, or one JSON object per line.

`TRIAGE_LOG_FORMAT=json` is for log collectors (Docker's json-file driver, Loki, journald):
each record becomes {"time", "level", "logger", "message", "process", ...} with the exception
text under "exc" and any `extra=` fields kept, so a line never has to be parsed by regex.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=` and is kept.
_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {"message", "asctime", "taskName"}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in data:
                data[key] = value
        return json.dumps(data, ensure_ascii=False, default=str)


def configure(level: str = "INFO", fmt: str | None = None) -> None:
    """Set up the root logger once per process (the format defaults to TRIAGE_LOG_FORMAT)."""
    fmt = fmt or os.environ.get("TRIAGE_LOG_FORMAT", "text")
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if level != "DEBUG":  # httpx logs every request at INFO: the LLM and fetch call logs say more, once
        logging.getLogger("httpx").setLevel(logging.WARNING)


def uvicorn_config(level: str, fmt: str) -> dict:
    """uvicorn's log_config, so the web app's access and error lines follow the same format."""
    formatter = {"()": f"{__name__}.JSONFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {"uvicorn": {"level": level}, "uvicorn.access": {"level": level}},
    }
