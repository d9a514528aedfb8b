"""Settings refuse bad environment values with a message naming the variable (msphub/environment.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from msphub.environment import database_from_url, env_bool, env_choice, env_int

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("On", True), ("0", False), ("no", False), ("", False)],
)
def test_env_bool_reads_the_usual_spellings(value, expected):
    assert env_bool("DEBUG", environ={"DEBUG": value}) is expected


def test_env_bool_defaults_when_unset_and_refuses_anything_else():
    assert env_bool("SECURE_COOKIES", True, environ={}) is True
    assert env_bool("SECURE_COOKIES", True, environ={"SECURE_COOKIES": " "}) is True
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be 1 or 0"):
        env_bool("DEBUG", environ={"DEBUG": "maybe"})


@given(st.integers(min_value=0, max_value=10**6))
def test_env_int_reads_whole_numbers(number):
    assert env_int("DB_CONN_MAX_AGE", 0, environ={"DB_CONN_MAX_AGE": f" {number} "}) == number


@given(st.text().filter(lambda s: not s.strip().lstrip("+-").isdigit() and s.strip() != ""))
def test_env_int_refuses_anything_but_a_whole_number(value):
    with pytest.raises(ImproperlyConfigured, match="DB_CONN_MAX_AGE must be a whole number"):
        env_int("DB_CONN_MAX_AGE", 0, environ={"DB_CONN_MAX_AGE": value})


def test_env_int_refuses_a_negative_number_and_defaults_when_blank():
    with pytest.raises(ImproperlyConfigured, match="must be 0 or more"):
        env_int("DB_CONN_MAX_AGE", 0, environ={"DB_CONN_MAX_AGE": "-5"})
    assert env_int("DB_CONN_MAX_AGE", 7, environ={"DB_CONN_MAX_AGE": ""}) == 7


def test_env_choice_names_the_choices():
    choices = ("immediate", "database")
    assert env_choice("TASKS_BACKEND", choices, "immediate", environ={}) == "immediate"
    assert (
        env_choice("TASKS_BACKEND", choices, "immediate", environ={"TASKS_BACKEND": "database"}) == "database"
    )
    with pytest.raises(
        ImproperlyConfigured, match="TASKS_BACKEND must be one of immediate, database, not 'redis'"
    ):
        env_choice("TASKS_BACKEND", choices, "immediate", environ={"TASKS_BACKEND": "redis"})


def test_database_url_accepts_sqlite_and_postgresql():
    sqlite = database_from_url("sqlite:///var/msphub.sqlite3", conn_max_age=0)
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3" and sqlite["NAME"] == "var/msphub.sqlite3"
    pg = database_from_url("postgres://msphub:pw@db.internal:5432/msphub", conn_max_age=60)
    assert (pg["ENGINE"], pg["HOST"], pg["PORT"], pg["NAME"], pg["CONN_MAX_AGE"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        5432,
        "msphub",
        60,
    )
    assert pg["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("garbage", "must start sqlite:/// or postgres://"),
        ("mysql://user:s3cret@host/db", "must start sqlite:/// or postgres://"),
        ("postgres://user:s3cret@host:port/db", "the port must be a number"),
        ("postgres://user:s3cret@host:5432/", "names no database"),
        ("sqlite://", "needs a file"),
    ],
)
def test_database_url_refuses_malformed_values_without_showing_the_password(url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as refused:
        database_from_url(url, conn_max_age=0)
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DB_CONN_MAX_AGE", "sixty", "DB_CONN_MAX_AGE must be a whole number"),
        ("TASKS_BACKEND", "celery", "TASKS_BACKEND must be one of"),
        ("DATABASE_URL", "postgres//nowhere", "DATABASE_URL must start"),
    ],
)
def test_settings_refuse_to_load_with_a_bad_value(variable, value, message):
    env = {**os.environ, "DEBUG": "1", variable: value}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import msphub.settings"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_postgresql_connections_turn_jit_off_unless_told_to_leave_the_server_setting():
    from msphub.environment import database_from_url

    url = "postgres://u:p@db:5432/msphub"
    assert database_from_url(url, 0)["OPTIONS"]["options"] == "-c jit=off -c random_page_cost=1.1"
    assert database_from_url(url, 0, pg_jit="server")["OPTIONS"]["options"] == "-c random_page_cost=1.1"
    assert database_from_url(url, 0, pg_storage="server")["OPTIONS"]["options"] == "-c jit=off"
    leave = database_from_url(url, 0, pg_jit="server", pg_storage="server")
    assert "options" not in (leave.get("OPTIONS") or {})
    assert "OPTIONS" not in database_from_url("sqlite:////tmp/x.sqlite3", 0) or not database_from_url(
        "sqlite:////tmp/x.sqlite3", 0
    )["OPTIONS"].get("options")


def test_a_bad_db_pg_jit_is_refused_with_its_name():
    from django.core.exceptions import ImproperlyConfigured

    from msphub.environment import env_choice

    with pytest.raises(ImproperlyConfigured, match="DB_PG_JIT must be one of off, server"):
        env_choice("DB_PG_JIT", ("off", "server"), "off", environ={"DB_PG_JIT": "maybe"})
