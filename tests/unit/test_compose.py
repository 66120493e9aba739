"""The production shape in docker-compose.yml, checked as data: Docker need not be running."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "migrate")
REQUIRED_ENV = ("EXCHANGE_ENV", "EXCHANGE_DATABASE_URL", "EXCHANGE_REDIS_URL",
                "EXCHANGE_SECRET_KEY")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_of(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" list form is equally valid compose
        env = dict(item.split("=", 1) for item in env)
    return env


def test_the_compose_file_parses_as_a_mapping_of_services(compose):
    assert isinstance(compose["services"], dict)


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker", "migrate"])
def test_the_production_shape_has_the_service(services, name):
    assert name in services


def test_postgres_is_version_16_and_keeps_its_data_in_a_volume(services, compose):
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_redis_keeps_an_append_only_file_so_queued_jobs_survive_a_crash(services):
    command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--appendfsync everysec" in command


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_get_every_exchange_variable(services, name):
    assert set(REQUIRED_ENV) <= set(env_of(services[name]))


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_in_production(services, name):
    assert env_of(services[name])["EXCHANGE_ENV"] == "production"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_postgresql_through_psycopg(services, name):
    url = env_of(services[name])["EXCHANGE_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_reach_redis_by_its_service_name(services, name):
    assert env_of(services[name])["EXCHANGE_REDIS_URL"].startswith("redis://redis:6379")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_refuses_to_start_without_a_secret_key(services, name):
    assert env_of(services[name])["EXCHANGE_SECRET_KEY"].startswith("${EXCHANGE_SECRET_KEY:?")


def test_migrations_run_once_before_the_web_and_worker_start(services):
    assert services["migrate"]["command"] == ["exchange", "db", "upgrade"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully"


@pytest.mark.parametrize("name", ["postgres", "redis", "web"])
def test_long_running_services_have_a_healthcheck(services, name):
    assert services[name]["healthcheck"]["test"]


def test_the_web_waits_for_healthy_postgres_and_redis(services):
    needs = services["web"]["depends_on"]
    assert needs["postgres"]["condition"] == "service_healthy"
    assert needs["redis"]["condition"] == "service_healthy"


def test_the_worker_runs_the_exchange_worker_command(services):
    assert services["worker"]["command"][:2] == ["exchange", "worker"]


def test_the_web_runs_one_threaded_gunicorn_process_per_container(services):
    command = services["web"]["command"]
    assert command[0] == "gunicorn" and command[-1] == "web.wsgi:app"
    assert command[command.index("--workers") + 1] == "1"
    assert command[command.index("--worker-class") + 1] == "gthread"
    assert "0.0.0.0:8000" in command


def test_the_proxy_keeps_each_client_on_one_web_container(services):
    assert "web" in services["proxy"]["depends_on"]
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "ip_hash" in conf and "Upgrade" in conf


def test_the_app_services_build_from_the_dockerfile_in_the_repository(services):
    assert (COMPOSE.parent / "Dockerfile").is_file()
    assert all(services[name]["build"] == "." for name in APP_SERVICES)
