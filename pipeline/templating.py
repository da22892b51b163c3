"""One Jinja2 environment over templates/, shared by every stage that renders text.

HTML templates are autoescaped (article text and script edits are untrusted);
Markdown and plain-text templates are not. Undefined names fail loudly.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipeline.figures.display import number, value_text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["value"] = value_text
    env.filters["number"] = number
    return env


def render(name: str, /, **context: Any) -> str:
    return environment().get_template(name).render(**context)
