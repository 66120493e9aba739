"""The production shape in docker-compose.yml, checked as a deployment would need it — as data,
never by running Docker: each service exists and starts only after what it needs, its command
is one the image really has, its environment is one the app's own settings loader accepts, and
the names and ports the services use to reach each other line up."""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from exchange.adapters import webpush
from exchange.config import Settings
from web.cli import cli

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "migrate")
LONG_RUNNING = ("postgres", "redis", "web", "worker", "proxy")
REQUIRED_ENV = ("EXCHANGE_ENV", "EXCHANGE_DATABASE_URL", "EXCHANGE_REDIS_URL",
                "EXCHANGE_SECRET_KEY")
REQUIRED_VARIABLE = re.compile(r"^\$\{(?P<name>\w+):\?[^}]*\}$")  # ${NAME:?message}
DEFAULTED_VARIABLE = re.compile(r"^\$\{(?P<name>\w+):-(?P<default>[^}]*)\}$")  # ${NAME:-x}
OPERATOR = {"EXCHANGE_SECRET_KEY": "s" * 48, "EXCHANGE_SMTP_URL": "smtp://mail.example.org:587",
            "EXCHANGE_BASE_URL": "https://exchange.example.org",
            "EXCHANGE_VAPID_PRIVATE_KEY": "N37Af82W37en7l2xe5wbjvVTbB065kqBwK5qp4k-FLQ"}
CLI_ENV = {"FLASK_SKIP_DOTENV": "1", "FLASK_RUN_FROM_CLI": "false"}


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


def needs(service: dict) -> dict[str, str]:
    """``depends_on`` as {service: condition} (a plain list means "started")."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def as_deployed(env: dict, **variables: str) -> dict:
    """The environment after compose fills in ``${NAME:?…}`` from the operator's shell."""
    filled = {}
    for key, value in env.items():
        required = REQUIRED_VARIABLE.match(str(value))
        defaulted = DEFAULTED_VARIABLE.match(str(value))
        if required:
            filled[key] = variables[required["name"]]
        elif defaulted:
            filled[key] = variables.get(defaulted["name"], defaulted["default"])
        else:
            filled[key] = str(value)
    return filled


def published_ports(service: dict) -> list[str]:
    return [str(p) for p in service.get("ports") or []]


def test_every_service_the_deployment_needs_is_defined(services):
    assert {"postgres", "redis", "migrate", "web", "worker", "proxy"} <= set(services)


# Dependencies: what starts when

def test_every_dependency_names_a_defined_service(services):
    for name, service in services.items():
        assert set(needs(service)) <= set(services), name


def test_the_services_start_in_an_order_compose_can_find(services):
    started: set[str] = set()
    while len(started) < len(services):
        ready = {n for n, s in services.items()
                 if n not in started and set(needs(s)) <= started}
        assert ready, f"a dependency cycle among {set(services) - started}"
        started |= ready


def test_migrations_run_once_postgres_is_healthy_and_are_not_restarted(services):
    migrate = services["migrate"]
    assert needs(migrate) == {"postgres": "service_healthy"}
    assert migrate["restart"] == "no"


@pytest.mark.parametrize("name", ["web", "worker"])
def test_the_web_and_worker_wait_for_migrations_and_healthy_stores(services, name):
    assert needs(services[name]) == {"migrate": "service_completed_successfully",
                                     "postgres": "service_healthy",
                                     "redis": "service_healthy"}


def test_the_proxy_waits_for_a_healthy_web(services):
    assert needs(services["proxy"]) == {"web": "service_healthy"}


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_come_back_after_a_crash(services, name):
    assert services[name]["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", ["postgres", "redis", "web"])
def test_services_others_wait_on_being_healthy_have_a_healthcheck(services, name):
    assert services[name]["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")


# Commands: each one exists in the image

def test_the_app_services_build_from_the_dockerfile_in_the_repository(services):
    assert (COMPOSE.parent / "Dockerfile").is_file()
    assert all(services[name]["build"] == "." for name in APP_SERVICES)


@pytest.mark.parametrize("name", ["migrate", "worker"])
def test_exchange_commands_are_ones_the_console_script_accepts(services, name):
    program, *args = services[name]["command"]
    assert program == "exchange"
    result = CliRunner().invoke(cli, [*args, "--help"], env=CLI_ENV)
    assert result.exit_code == 0, result.output  # an unknown command or option exits 2


def test_migrate_upgrades_the_database_and_the_worker_runs_jobs(services):
    assert services["migrate"]["command"] == ["exchange", "db", "upgrade"]
    assert services["worker"]["command"][:2] == ["exchange", "worker"]


def test_the_web_runs_one_gevent_gunicorn_process_per_container(services):
    command = services["web"]["command"]
    assert command[0] == "gunicorn"
    assert command[command.index("--workers") + 1] == "1"
    assert command[command.index("--worker-class") + 1] == "gevent"
    # gevent's default is 1,000 connections a worker; thousands of sockets need more, and the
    # container as many descriptors (docs/decisions/0009-server-mode.md)
    connections = int(command[command.index("--worker-connections") + 1])
    assert connections >= 5000
    assert int(services["web"]["ulimits"]["nofile"]) > connections


def test_gunicorn_and_its_worker_class_are_installed_with_the_package():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(re.match(r"gunicorn\b", dep) for dep in deps)
    assert any(re.match(r"gevent\b", dep) for dep in deps)
    assert importlib.util.find_spec("gunicorn.workers.ggevent") is not None


def test_the_wsgi_module_patches_with_gevent_before_it_imports_anything_else(services):
    module = services["web"]["command"][-1].partition(":")[0]
    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text())
    statements = [node for node in tree.body
                  if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    first_import, first_call = statements[0], statements[1]
    assert isinstance(first_import, ast.ImportFrom) and first_import.module == "gevent"
    assert ast.unparse(first_call) == "monkey.patch_all()"


def test_the_wsgi_target_is_a_module_that_defines_app(services):
    module, _, attribute = services["web"]["command"][-1].partition(":")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin
    tree = ast.parse(Path(spec.origin).read_text())
    assigned = {t.id for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    assert attribute in assigned


# Environment: one configuration the app accepts, shared by every app service

def test_app_services_share_one_environment_and_only_migrate_connects_as_the_owner(services):
    web, worker, migrate = (env_of(services[name]) for name in APP_SERVICES)
    assert web == worker
    assert {**migrate, "EXCHANGE_DATABASE_URL": web["EXCHANGE_DATABASE_URL"]} == web
    assert migrate["EXCHANGE_DATABASE_URL"] != web["EXCHANGE_DATABASE_URL"]
    assert set(REQUIRED_ENV) <= set(web)


def test_compose_refuses_to_start_without_a_secret_key(services):
    assert REQUIRED_VARIABLE.match(env_of(services["web"])["EXCHANGE_SECRET_KEY"])


def test_compose_refuses_to_start_without_a_mail_server_and_a_public_address(services):
    env = env_of(services["web"])
    assert REQUIRED_VARIABLE.match(env["EXCHANGE_SMTP_URL"])
    assert REQUIRED_VARIABLE.match(env["EXCHANGE_BASE_URL"])


def test_compose_refuses_to_start_without_one_web_push_key_for_every_container(services):
    # web and worker each have an instance folder of their own: a key generated in each would
    # differ, and pushes signed by the worker would not match the key browsers subscribed with
    env = as_deployed(env_of(services["web"]), **OPERATOR)
    assert REQUIRED_VARIABLE.match(env_of(services["web"])["EXCHANGE_VAPID_PRIVATE_KEY"])
    assert webpush.load_private_key(Settings.from_env(env))


def test_the_app_loads_the_compose_environment_as_production_settings(services):
    env = as_deployed(env_of(services["web"]), **OPERATOR)
    settings = Settings.from_env(env)
    assert settings.env == "production" and settings.secret_key == "s" * 48
    assert settings.smtp_url == OPERATOR["EXCHANGE_SMTP_URL"]
    assert settings.link("/verify") == "https://exchange.example.org/verify"
    assert settings.mail_from == "The exchange <exchange@localhost>"
    assert settings.rate_limits
    assert (settings.database_url, settings.redis_url) == (env["EXCHANGE_DATABASE_URL"],
                                                           env["EXCHANGE_REDIS_URL"])


def test_the_app_trusts_exactly_the_one_proxy_in_front_of_it(services):
    env = as_deployed(env_of(services["web"]), **OPERATOR)
    assert Settings.from_env(env).trusted_proxies == 1
    assert len([n for n, s in services.items() if "nginx" in s.get("image", "")]) == 1


# Names and ports: the services reach each other

def test_migrations_reach_the_postgres_service_as_the_owner_of_its_database(services):
    pg = env_of(services["postgres"])
    url = env_of(services["migrate"])["EXCHANGE_DATABASE_URL"]
    assert url == (f"postgresql+psycopg://{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}"
                   f"@postgres:5432/{pg['POSTGRES_DB']}")
    assert f"-U {pg['POSTGRES_USER']} -d {pg['POSTGRES_DB']}" in \
        services["postgres"]["healthcheck"]["test"][1]


def test_postgres_is_version_16_and_keeps_its_data_in_a_declared_volume(services, compose):
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    source, target = postgres["volumes"][0].split(":")[:2]
    assert source in compose["volumes"] and target == "/var/lib/postgresql/data"


def test_the_redis_url_reaches_the_redis_service(services):
    assert env_of(services["web"])["EXCHANGE_REDIS_URL"].startswith("redis://redis:6379/")


def test_redis_keeps_an_append_only_file_in_a_declared_volume(services, compose):
    redis = services["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command and "--appendfsync everysec" in command
    source, target = redis["volumes"][0].split(":")[:2]
    assert source in compose["volumes"] and target == "/data"


def test_the_web_listens_where_its_healthcheck_and_the_proxy_look(services):
    web = services["web"]
    bind = web["command"][web["command"].index("--bind") + 1]
    assert bind == "0.0.0.0:8000"
    assert [str(p) for p in web["expose"]] == ["8000"]
    assert "http://127.0.0.1:8000/healthz" in " ".join(web["healthcheck"]["test"])
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"upstream \w+ \{[^}]*server web:8000;", conf)


def test_the_healthcheck_path_is_a_route_of_the_app(app):
    assert "/healthz" in {rule.rule for rule in app.url_map.iter_rules()}


def test_the_proxy_keeps_each_client_on_one_web_container_and_passes_websockets(services):
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "ip_hash;" in conf
    assert 'proxy_set_header Upgrade $http_upgrade;' in conf
    source, target = services["proxy"]["volumes"][0].split(":")[:2]
    assert (ROOT / source).resolve() == (ROOT / "deploy" / "nginx.conf").resolve()
    assert target == "/etc/nginx/nginx.conf"


def test_the_proxy_holds_as_many_sockets_as_the_web_processes_behind_it(services):
    # every proxied socket is two nginx connections; a web process takes --worker-connections
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    command = services["web"]["command"]
    per_web = int(command[command.index("--worker-connections") + 1])
    nginx = int(re.search(r"worker_connections (\d+);", conf)[1])
    assert nginx >= 2 * per_web
    assert int(re.search(r"worker_rlimit_nofile (\d+);", conf)[1]) >= nginx
    assert int(services["proxy"]["ulimits"]["nofile"]) >= nginx


def test_only_the_proxy_is_published_and_on_the_port_nginx_listens_on(services):
    published = {name: published_ports(s) for name, s in services.items() if "ports" in s}
    assert published == {"proxy": ["8000:80"]}
    assert "listen 80;" in (ROOT / "deploy" / "nginx.conf").read_text()


def test_web_and_worker_connect_as_the_role_the_postgres_init_script_makes(services):
    """The app's role owns no table (deploy/postgres-init.sql, run by the image on its first
    start): its name and password are the script's defaults."""
    pg = env_of(services["postgres"])
    script = ROOT / "deploy" / "postgres-init.sql"
    mounted = {(ROOT / v.split(":")[0]).resolve(): v.split(":")[1]
               for v in services["postgres"]["volumes"] if v.startswith("./")}
    assert mounted[script.resolve()].startswith("/docker-entrypoint-initdb.d/")
    defaults = dict(re.findall(r"\\set (\w+) (\S+)", script.read_text()))
    user, password = defaults["app"], defaults["app_password"]
    assert user != pg["POSTGRES_USER"]
    for name in ("web", "worker"):
        assert env_of(services[name])["EXCHANGE_DATABASE_URL"] == (
            f"postgresql+psycopg://{user}:{password}@postgres:5432/{pg['POSTGRES_DB']}")


def test_the_proxy_passes_on_the_host_with_its_port():
    # Socket.IO accepts a browser's Origin only if it names the host and port the app sees, and
    # the published port is 8000: $host drops it, $http_host keeps it (checked live by
    # tests/integration/test_production_topology.py)
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "Host $host;" not in conf
    assert conf.count("proxy_set_header Host $http_host;") == 2
