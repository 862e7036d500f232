# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --create-home --uid 1000 voces \
    && mkdir -p /var/lib/voces \
    && chown voces:voces /var/lib/voces

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected at build time, with a throwaway key: the real one comes at start.
RUN DEBUG=true SECRET_KEY=only-to-collect-static-files python manage.py collectstatic --noinput --verbosity 0

USER voces
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "config.wsgi:application", "-c", "config/gunicorn.py", "--bind", "0.0.0.0:8000"]
