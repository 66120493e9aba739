# The exchange as one image; docker-compose.yml runs it as web, worker and the one-shot migrate.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EXCHANGE_ENV=production

WORKDIR /app
# README.md is the package's long description, so the build needs it.
COPY pyproject.toml README.md ./
COPY exchange ./exchange
COPY web ./web
COPY workers ./workers
COPY benchmarks ./benchmarks
RUN pip install . \
    && useradd --create-home --uid 10001 exchange \
    && mkdir -p /app/instance && chown exchange /app/instance

USER exchange
EXPOSE 8000
# On its own the image runs `exchange serve` (gevent, like production); docker-compose.yml's web
# service runs the production command instead (gunicorn's gevent worker, docs/decisions/0009).
CMD ["exchange", "serve", "--host", "0.0.0.0", "--port", "8000"]
