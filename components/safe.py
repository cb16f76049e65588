"""Text from users and imports shown literally where Streamlit renders Markdown.

st.markdown, st.write of a string, st.caption, st.info/warning/error/success, st.header/subheader/title, and the
labels of buttons, tabs, expanders and metrics (and a metric's value) read their text as Markdown, plus Streamlit's
own `:red[...]` colours, `:material/...:` icons, `:smile:` shortcodes and `$...$` LaTeX. A customer's name, a note,
a register event's text, an imported reference or an error message quoting a file's cell must stay text there: md()
backslash-escapes (CommonMark: an escaped punctuation character is that character, taken literally) every character
that can start Markdown, and leaves ordinary punctuation alone so that a sentence reads and compares as it is:
  - anywhere: \\ ` * [ ] < ~ $ | @ (code, emphasis, links and images, HTML and autolinks, strikethrough, LaTeX,
    tables, e-mail autolinks);
  - `_` unless it sits between two letters or digits, `:` before a letter or `/` (Streamlit directives and
    shortcodes, `javascript:`, `http://` autolinks), `&` that starts an entity, the dot of `www.` (GFM autolinks);
  - at the start of a line: # > + - = and the dot or parenthesis of `1.` / `1)` (headings, quotes, lists, setext
    underlines); blanks that start a line are dropped (Markdown would drop them too, or make four a code block).
st.dataframe, st.text, st.code and selectbox options show text as it is and need no escaping.

Plotly reads a few HTML tags in its labels and hover texts; chart_text() escapes them there.
"""

from __future__ import annotations

import html
import re

_ANYWHERE = re.compile(r"([\\`*\[\]<~$|@])")
# `_` between two letters or digits cannot emphasise (CommonMark's flanking rules): invoice_number stays as it is
_CONTEXT = re.compile(r":(?=[A-Za-z/])|&(?=#?\w+;)|(?i:(?<=\bwww))\.|_(?![^\W_])|(?<![^\W_])_")
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
_BLOCK = re.compile(r"^([ \t]*)([#>+=-])", re.MULTILINE)
_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])", re.MULTILINE)


def md(value: object) -> str:
    """`value` as Markdown source that renders as exactly its text (None: empty)."""
    text = "" if value is None else str(value)
    text = _INDENT.sub("", text)  # Markdown drops a line's leading blanks anyway; four would make a code block
    text = _ANYWHERE.sub(r"\\\1", text)
    text = _CONTEXT.sub(lambda m: "\\" + m.group(0), text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return _BLOCK.sub(r"\1\\\2", text)


def chart_text(value: object) -> str:
    """`value` for a plotly label or hover text: plotly reads <b>, <i>, <a href=...> and <br> in them, so <, >, &
    and quotes are written as entities, which plotly shows as the characters."""
    return html.escape("" if value is None else str(value))
