# One image for every Airflow component of the distributed configuration (docker-compose.yml).
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk poppler-utils \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/reportflow
COPY requirements.lock pyproject.toml ./
RUN python -m venv .venv \
 && .venv/bin/pip install -q uv==0.13.9 \
 && .venv/bin/uv pip install -q -p .venv/bin/python -r requirements.lock
COPY . .
RUN .venv/bin/uv pip install -q -p .venv/bin/python --no-deps -e . \
 && REPORTFLOW_HOME=/tmp/parse .venv/bin/python -c \
      "from reportflow.config import load_settings; from reportflow.transform import parse_manifest; parse_manifest(load_settings(create_home=True))"
ENV PATH=/opt/reportflow/.venv/bin:$PATH \
    REPORTFLOW_HOME=/data \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/reportflow/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False
