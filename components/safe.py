"""Text from users and imports shown literally where Streamlit renders Markdown.

st.markdown, st.write of a string, st.caption, st.info/warning/error/success, st.header/subheader/title, st.toast,
and the labels of buttons, tabs, expanders and metrics all read their text as Markdown (plus Streamlit's own
`:red[...]` colours, `:material/...:` icons and `$...$` LaTeX). A customer's name, a note, a register event's text or
any imported string placed there must stay text: md() backslash-escapes every ASCII punctuation character, which
CommonMark defines as that character taken literally, so `**`, `[x](javascript:...)`, `<script>`, `` ` ``, `$`, `#`
and `:red[` show as typed and nothing is bolded, linked, run or coloured. st.dataframe, st.text, st.code and
selectbox options show their text as it is and need no escaping.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def md(value: object) -> str:
    """`value` as Markdown source that renders as exactly its text (None: empty)."""
    text = "" if value is None else str(value)
    return _PUNCTUATION.sub(r"\\\1", text)
