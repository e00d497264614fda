# The media monitor as an always-on service: `monitor run` with /healthz for the HEALTHCHECK.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY pyproject.toml README.md settings.toml ./
COPY core ./core
COPY crawler ./crawler
COPY alerts ./alerts
COPY scheduler ./scheduler
COPY monitor ./monitor

RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin monitor \
    && mkdir -p /data \
    && chown monitor /data

USER 10001

ENV MONITOR_CONFIG=/app/settings.toml \
    MONITOR_DB_URL=sqlite:////data/monitor.db

VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

CMD ["monitor", "run", "--listen", "0.0.0.0:8080"]
