"""/healthz and /metrics: for load balancers, container health checks and Prometheus; no login.

Both report only counts, ages and revisions (see triage.schedule.health), never a URL, a
credential or text from a source, so they are safe to leave unauthenticated behind the proxy.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from triage import metrics
from triage.schedule.health import DatabaseCollector, check

router = APIRouter()  # deliberately not `protected()`: probes and scrapers have no session


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    health = await run_in_threadpool(check, request.app.state.settings)
    return JSONResponse(health.as_dict(), status_code=200 if health.ok else 503)


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    settings = request.app.state.settings
    body, content_type = await run_in_threadpool(metrics.exposition, DatabaseCollector(settings))
    return Response(body, media_type=content_type)
