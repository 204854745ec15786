"""A small structural accessibility checker for our server-rendered pages (WCAG 2.1 basics).

It checks what can be checked from the HTML alone: page language, a single h1, a title, a skip
link to an existing target, landmarks, every form control labelled, no unlabeled buttons or
images without alt, ids unique, errors linked to their fields. Colour contrast is handled in
the CSS tokens (documented there), not here.
"""

from __future__ import annotations

from html.parser import HTMLParser

LABELLABLE = {"input", "select", "textarea"}
NOT_LABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.controls_in_label: set[int] = set()
        self.h1 = 0
        self.title = ""
        self._in_title = False
        self._buttons: list[dict] = []
        self._button_text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        index = len(self.elements)
        self.elements.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in LABELLABLE and self.label_depth:
            self.controls_in_label.add(index)
        if tag == "h1":
            self.h1 += 1
        if tag == "title":
            self._in_title = True
        if tag == "button":
            self._button_text = []
            self._buttons.append(a)

    def handle_endtag(self, tag):
        if tag == "label" and self.label_depth:
            self.label_depth -= 1
        if tag == "title":
            self._in_title = False
        if tag == "button" and self._button_text is not None:
            self._buttons[-1]["__text__"] = "".join(self._button_text).strip()
            self._button_text = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._button_text is not None:
            self._button_text.append(data)


def problems(html: str) -> list[str]:
    c = _Collector()
    c.feed(html)
    found: list[str] = []
    html_tag = next((a for t, a in c.elements if t == "html"), None)
    if not html_tag or not html_tag.get("lang"):
        found.append("<html> has no lang attribute")
    if not c.title.strip():
        found.append("the page has no <title>")
    if c.h1 != 1:
        found.append(f"the page has {c.h1} h1 elements (want exactly 1)")
    if not any(t == "main" for t, _ in c.elements):
        found.append("no <main> landmark")
    skip = next((a for t, a in c.elements if t == "a" and "skip-link" in a.get("class", "")), None)
    if not skip:
        found.append("no skip link")
    elif skip.get("href", "").lstrip("#") not in c.ids:
        found.append(f"skip link target {skip.get('href')} does not exist")
    duplicates = {i for i in c.ids if c.ids.count(i) > 1}
    if duplicates:
        found.append(f"duplicate ids: {sorted(duplicates)}")
    for index, (tag, a) in enumerate(c.elements):
        if tag in LABELLABLE:
            if tag == "input" and a.get("type", "text") in NOT_LABELLED_INPUT_TYPES:
                continue
            labelled = (
                a.get("id") in c.label_for or index in c.controls_in_label
                or a.get("aria-label") or a.get("aria-labelledby")
            )
            if not labelled:
                found.append(f"<{tag} name={a.get('name')!r}> has no label")
            for ref in a.get("aria-describedby", "").split():
                if ref not in c.ids:
                    found.append(f"<{tag} name={a.get('name')!r}> aria-describedby={ref!r} points nowhere")
            if a.get("aria-invalid") == "true" and not a.get("aria-describedby"):
                found.append(f"invalid <{tag} name={a.get('name')!r}> is not linked to its error")
        if tag == "img" and "alt" not in a:
            found.append(f"<img src={a.get('src')!r}> has no alt")
        if tag == "a" and a.get("href") is None and "id" not in a:
            found.append("<a> without href")
    for b in c._buttons:
        if not (b.get("__text__") or b.get("aria-label")):
            found.append("a <button> has no text")
    return found
