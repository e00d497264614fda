"""Anti-bot answers told apart from content, for feeds and article pages alike.

mid.ru answers "Data processing... Please, wait." (or its Russian text) with HTTP 200,
TASS's StormWall front and the common CDNs serve JavaScript challenges, and some fronts
send a bare script that redirects the browser. Such a page must never be stored as an
article or read as an empty feed: it is a health state of its own.
"""

from __future__ import annotations

import re

from crawler.extract.text import collapse

# Only looked for on small pages: a real page may mention them in a script or a form.
MARKERS = (
    "data processing...", "please, wait", "обработка данных", "пожалуйста, подождите", "stormwall",
    "just a moment", "cf-browser-verification", "cf_chl_", "challenge-platform",
    "checking your browser", "ddos-guard", "ddos protection", "enable javascript and cookies",
    "__js_p_", "captcha",
)
# Challenge pages say little; a page with more visible text than this is a real page.
SMALL_PAGE_TEXT = 3000
SCRIPT = re.compile(r"<script[^>]*>(.*?)(?:</script\s*>|$)", re.IGNORECASE | re.DOTALL)
REDIRECT = re.compile(r"\blocation(?:\.href)?\s*=(?!=)|\blocation\.(?:replace|assign|reload)\s*\(")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def challenge_reason(html: str) -> str | None:
    """Why this HTML is an anti-bot challenge rather than content, or None."""
    if len(collapse(TAGS.sub(" ", html))) >= SMALL_PAGE_TEXT:
        return None
    lowered = html[:200000].lower()
    for marker in MARKERS:
        if marker in lowered:
            return f"marker {marker!r}"
    if any(REDIRECT.search(body) for body in SCRIPT.findall(html)):
        return "a JavaScript location redirect"
    return None


def bare_redirect(text: str) -> bool:
    """A body without markup that only sends the browser elsewhere."""
    return len(text) < SMALL_PAGE_TEXT and REDIRECT.search(text) is not None
