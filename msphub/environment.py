"""Reading settings from environment variables, refusing bad values with a message that says which
variable is wrong and what it should look like (never echoing a password).

Settings import this before Django is set up, so it uses nothing but the standard library and
dj-database-url.
"""

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# The database engines msphub is built and tested on (their drivers are in requirements.txt).
DATABASE_SCHEMES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    return None if value is None else value.strip()


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None or value == "":  # set but blank, as for the other kinds: the default
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {value!r}.")


def env_int(name: str, default: int, minimum: int = 0, environ: Mapping[str, str] | None = None) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be {minimum} or more, not {number}.")
    return number


def env_choice(
    name: str, choices: tuple[str, ...], default: str, environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def _without_credentials(url: str) -> str:
    """The URL as it can be shown in an error: user name and password replaced."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(not a URL)"
    auth = "***@" if parts.username or parts.password else ""
    return f"{parts.scheme}://{auth}{host}{port}{parts.path}"


def database_from_url(
    url: str, conn_max_age: int, pg_jit: str = "off", pg_storage: str = "ssd"
) -> dict[str, Any]:
    """DATABASES["default"] from DATABASE_URL: SQLite or PostgreSQL, complete, or a clear refusal.

    On PostgreSQL the connection turns JIT compilation off (``pg_jit="off"``, DB_PG_JIT): msphub's
    reports are one-row aggregates whose cost estimates cross the JIT thresholds at national size,
    and compiling them cost seconds (England's MSP measures took 3.0 s with it, 0.5 s without, in
    the same run). ``"server"`` leaves the server's setting, for a connection pooler that refuses
    startup options (set ``ALTER ROLE ... SET jit = off`` there instead; docs/deploy.md).

    It also prices a random page read as PostgreSQL's documentation advises for solid-state storage
    (``pg_storage="ssd"``, DB_PG_STORAGE: ``random_page_cost = 1.1``, against the default 4 made for
    spinning disks). At the default the planner reads every person or decision in England to find
    one council's few thousand: one council's return took 3.0 times the hand-written SQL's time,
    against 5.1 at the default, in the same run; a count of its concerns' people, 21 ms against 233.
    ``"server"`` leaves the server's setting."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            "DATABASE_URL must start sqlite:/// or postgres:// (like "
            f"postgres://user:password@host:5432/msphub), not {_without_credentials(url)!r}."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except (ValueError, dj_database_url.ParseError):
        raise ImproperlyConfigured(
            "DATABASE_URL is not a valid URL: the port must be a number, and special characters in "
            "the user name or password must be percent-encoded (%40 for @, say)."
        ) from None
    if config["ENGINE"] != DATABASE_SCHEMES[scheme]:
        raise ImproperlyConfigured(f"DATABASE_URL names an unsupported database: {scheme}.")
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL names no database ({_without_credentials(url)!r}): end it with /msphub, say."
        )
    startup = [
        *(["-c jit=off"] if pg_jit == "off" else []),
        *(["-c random_page_cost=1.1"] if pg_storage == "ssd" else []),
    ]
    if scheme != "sqlite" and startup:
        options = dict(config.get("OPTIONS") or {})
        options["options"] = " ".join([options.get("options", ""), *startup]).strip()
        config["OPTIONS"] = options
    if scheme == "sqlite" and config.get("NAME") in ("", ":memory:"):
        raise ImproperlyConfigured("DATABASE_URL for SQLite needs a file: sqlite:///path/to/msphub.sqlite3.")
    return dict(config)
