"""govuk-frontend-django's components, rendered without building their templates again on every use."""

import functools
from typing import Any


def share_one_jinja_environment() -> None:
    """govuk-frontend-django (0.22) makes a new Jinja environment for every component it renders, so
    each button, input or summary list compiles its GOV.UK macro template again: most of the time of
    a page. Here every render shares one environment, which compiles each macro template once and
    keeps it (Jinja's own template cache, checked against the file on every use), and keeps the
    one-line template that calls the macro by its text. That text names only the component's macro
    (the component's data is passed to it as a variable), so there are as many as there are kinds of
    component, and no personal data is kept. The HTML is the same. Jinja environments may be shared
    between threads once configured."""
    import jinja2
    from govuk_frontend_django.components import base

    if getattr(base.Environment, "shared", False):
        return
    environments: list[jinja2.Environment] = []

    def environment(**options: Any) -> jinja2.Environment:
        if not environments:
            env = jinja2.Environment(**options)  # noqa: S701  (the library passes select_autoescape())
            env.from_string = functools.lru_cache(maxsize=None)(env.from_string)  # type: ignore[method-assign,assignment]
            environments.append(env)
        return environments[0]

    environment.shared = True  # type: ignore[attr-defined]
    base.Environment = environment  # type: ignore[misc,assignment]
