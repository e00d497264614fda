"""What a newsroom reads in each channel: when (in the channel's zone, and marked when
the source gave no date), why (the words that matched), who else carried the story, and
nothing from a feed able to format, ping or forge anything."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from alerts.channels.console import ConsoleChannel
from alerts.channels.email import EmailChannel
from alerts.channels.slack import alert_blocks
from alerts.message import AlertMessage, Outlet
from core.config import ConsoleChannelConfig, EmailChannelConfig

SNIPPET = "Москва готова восстановить отношения с Грузией, заявил Галузин"
MESSAGE = AlertMessage(
    alert_id=1, kind="article", rule="ge-ru-normalisation", channel="slack",
    title="Галузин: *Россия* готова _к_ ~нормализации~ `с` Грузией", url="https://tass.ru/politika/1",
    source="tass_ru", language="ru", published=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    snippet=SNIPPET,
    highlights=[(SNIPPET.index("восстановить"), SNIPPET.index("восстановить") + 12),
                (SNIPPET.index("отношения"), SNIPPET.index("отношения") + 9),
                (SNIPPET.index("Грузией"), SNIPPET.index("Грузией") + 7)],
    matched=["восстанов", "отношени", "Грузией"], story=3,
    others=[Outlet("tass_en", "en", "Russia ready to restore ties", "https://tass.com/politics/9"),
            Outlet("civil_ka", "ka", "გალუზინი", "https://civil.ge/ka/archives/1")],
)


def test_time_in_the_channels_zone_with_utc_beside_and_first_seen_marked() -> None:
    assert MESSAGE.when() == "2026-11-20 09:30 UTC"
    assert MESSAGE.when("Asia/Tbilisi") == "2026-11-20 13:30 +04 (09:30 UTC)"
    assert replace(MESSAGE, published_flag="missing").when("Europe/Moscow") == \
        "first seen 2026-11-20 12:30 MSK (09:30 UTC)"


def test_the_matched_words_are_named_as_the_text_spells_them() -> None:
    assert MESSAGE.matched_words() == ["восстановить", "отношения", "Грузией"]
    assert replace(MESSAGE, highlights=[]).matched_words() == MESSAGE.matched


def test_slack_shows_zone_words_and_outlets_and_feed_marks_cannot_format() -> None:
    blocks = alert_blocks(MESSAGE, "Asia/Tbilisi")
    title, context = blocks[0]["text"]["text"], blocks[1]["elements"][0]["text"]
    assert title.startswith("*<https://tass.ru/politika/1|") and title.endswith(">*")
    assert not any(mark in title[2:-2] for mark in "*_~`")  # look-alikes instead
    assert "13:30 +04 (09:30 UTC)" in context
    assert "matched: восстановить, отношения, Грузией" in context
    assert "*восстановить*" in blocks[2]["text"]["text"]
    assert "tass_en (en): Russia ready to restore ties" in blocks[3]["text"]["text"]


def test_operator_recovery_is_not_a_warning_and_says_when() -> None:
    recovered = replace(MESSAGE, kind="operator", title="Source mid_ru recovered (blocked → ok)",
                        snippet="mid_ru is ok again after 2 h 5 min blocked", state="ok",
                        highlights=[], others=[])
    text = alert_blocks(recovered)[0]["text"]["text"]
    assert text.startswith(":white_check_mark:") and "2026-11-20 09:30 UTC" in text
    assert alert_blocks(replace(recovered, state="blocked"))[0]["text"]["text"].startswith(":warning:")


def test_console_and_email_show_the_same() -> None:
    console = ConsoleChannel("console", ConsoleChannelConfig(type="console", timezone="Asia/Tbilisi"))
    text = console.render(MESSAGE)
    assert "13:30 +04" in text and "matched: восстановить, отношения, Грузией" in text
    assert "also: civil_ka (ka): გალუზინი  https://civil.ge/ka/archives/1" in text
    email = EmailChannel("email", EmailChannelConfig(
        type="email", host="127.0.0.1", sender="m@test", recipients=["d@test"]))
    mail = email.build([MESSAGE])
    parts = {part.get_content_type(): part.get_content() for part in mail.walk()
             if not part.is_multipart()}
    for part in parts.values():
        assert "matched: восстановить, отношения, Грузией" in part
        assert "tass_en (en): Russia ready to restore ties" in part
        assert "2026-11-20 09:30 UTC" in part
