"""The pieces Stopline's HTML pages share: the page and its style, tables and images."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Sequence

STYLE = (
    "body{font-family:sans-serif;margin:2em auto;max-width:1320px;padding:0 1em;"
    "color:#222;line-height:1.4}"
    "table{border-collapse:collapse;margin:0.5em 0 1em}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
    "tr.reference td{font-weight:bold;background:#f7f7ff}"
    "tr.warning td{background:#fde8e8}"
    "table.provenance td{text-align:left}td.text,th.text{text-align:left}"
    "td.los{text-align:center;font-weight:bold;white-space:nowrap}"
    # A city's cluster ids run to 60 characters: cut with an ellipsis (whole on hover).
    "td.id{max-width:16em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
    "div.cautions{background:#fff4e5;border-left:4px solid #e08a00;padding:4px 12px;"
    "margin:0.5em 0 1em}"
    "img{max-width:100%}figcaption{color:#555;font-size:0.9em}"
    "ul.columns{color:#444;font-size:0.85em;columns:2;padding-left:1.2em}"
)


def html_page(title: str, body: Iterable[str]) -> str:
    """A whole HTML page with Stopline's style."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def html_image(title: str, data: str, caption: str) -> str:
    """A titled figure from a base64 PNG."""
    name = html.escape(title)
    return (
        f"<h2>{name}</h2><figure><img alt='{name}' src='data:image/png;base64,{data}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def html_table(
    titles: Sequence[str],
    rows: Iterable[Sequence[str]],
    marked: Sequence[bool] = (),
    css: str = "reference",
    text_columns: Collection[int] = (),
) -> str:
    """An HTML table; rows flagged in ``marked`` get the class ``css``; the columns at
    ``text_columns`` (words, not figures) are aligned left."""
    head = "".join(
        f"<th{' class=text' if index in text_columns else ''}>{html.escape(title)}</th>"
        for index, title in enumerate(titles)
    )
    flags = list(marked)
    body = "".join(
        f"<tr{f' class={css}' if index < len(flags) and flags[index] else ''}>"
        + "".join(
            f"<td{' class=text' if column in text_columns else ''}>{html.escape(cell)}</td>"
            for column, cell in enumerate(row)
        )
        + "</tr>"
        for index, row in enumerate(rows)
    )
    return f"<table><tr>{head}</tr>{body}</table>"
