"""Article extraction from HTML pages: pure functions, no network, no engine."""

from crawler.extract.page import ExtractedPage, extract_page

__all__ = ["ExtractedPage", "extract_page"]
