# One image for every matchflow service (dataflow, API, replay, MLflow server):
# the same locked environment `make` installs, without the test tools.
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY stream ./stream
COPY models ./models
COPY serving ./serving
COPY dashboards ./dashboards
COPY data ./data
RUN uv sync --locked --no-dev

ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000 9100 5000
CMD ["matchflow", "--help"]
