FROM python:3.11-slim
# ffmpeg decodes recordings (and brings libopus); espeak-ng reads questions aloud offline.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg espeak-ng \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
# Migrations and the question bank first (both idempotent), then the bot.
CMD ["sh", "-c", "python -m bot migrate && python -m bot seed && python -m bot run"]
