# The CSM image: web (gunicorn), Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A CJK font, so Chinese renders in charts and PDF reports (the slim image has none).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 --user-group csm
WORKDIR /app

# Requirements first: this layer is rebuilt only when they change.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic imports the production settings, which refuse to start without a secret: give it a
# throwaway one (this image holds no secret; the real one comes from the environment at run time).
RUN SECRET_KEY="collectstatic-only-not-a-secret-$(python -c 'import secrets; print(secrets.token_hex(32))')" \
    CELERY_BROKER_URL="redis://unused:6379/0" \
    DJANGO_SETTINGS_MODULE=csm.settings.production \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p var/private/imports var/beat \
    && chown -R csm:csm var

ENV DJANGO_SETTINGS_MODULE=csm.settings.production \
    PRIVATE_MEDIA_ROOT=/app/var/private
USER csm
EXPOSE 8000
# gunicorn.conf.py: an access log without query strings or the tokens of personal links.
CMD ["gunicorn", "csm.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
