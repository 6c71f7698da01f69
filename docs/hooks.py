"""MkDocs hook: the model zoo page is generated from the bundled model cards at build time."""

from __future__ import annotations

PLACEHOLDER = "<!-- model zoo table -->"


def on_page_markdown(markdown: str, page, config, files) -> str:
    if PLACEHOLDER not in markdown:
        return markdown
    from insight.zoo import zoo_markdown

    return markdown.replace(PLACEHOLDER, zoo_markdown())
