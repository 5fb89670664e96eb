# Werkplaats services as one image: `docker run IMAGE run scheduling` (the default), `kafka topics`, `demo`, ...
# Build: docker build -t werkplaats .      Run the whole stack: docker compose up (see docker-compose.yml).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/werkplaats
WORKDIR /src
COPY . .
RUN /opt/werkplaats/bin/pip install .

FROM python:3.11-slim
LABEL org.opencontainers.image.title="werkplaats" \
      org.opencontainers.image.description="Shared participation agenda and conflict warnings for Den Haag Zuidwest" \
      org.opencontainers.image.licenses="EUPL-1.2"
RUN groupadd --system --gid 10001 werkplaats \
    && useradd --system --uid 10001 --gid werkplaats --home-dir /home/werkplaats --create-home werkplaats \
    && mkdir /data \
    && chown werkplaats:werkplaats /data
COPY --from=build /opt/werkplaats /opt/werkplaats
ENV PATH=/opt/werkplaats/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WERKPLAATS_DATA_DIR=/data \
    WERKPLAATS_LOG_FORMAT=json \
    SCHEDULING_HTTP_HOST=0.0.0.0 \
    SCHEDULING_HTTP_PORT=8010
USER werkplaats
WORKDIR /home/werkplaats
VOLUME ["/data"]
EXPOSE 8010
# 200 from /health means: database answers and the Kafka consumers run (503 otherwise).
# One-shot commands (kafka topics, demo) should disable it: `healthcheck: disable: true` in compose.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('SCHEDULING_HTTP_PORT', '8010') + '/health', timeout=4)"]
ENTRYPOINT ["werkplaats"]
CMD ["run", "scheduling"]
