from __future__ import annotations

from core.crosslingual import compare, signature, transliterate

EN = ("MOSCOW, November 20. /TASS/. Russian Deputy Foreign Minister Mikhail Galuzin and Georgian "
      "Prime Minister's special representative Zurab Abashidze will meet in Prague on December 3 "
      "to discuss visa-free travel and direct flights, Galuzin told TASS. About 1.5 million "
      "Russians visited Georgia in 2025.")
RU = ("МОСКВА, 20 ноября. /ТАСС/. Замминистра иностранных дел РФ Михаил Галузин и спецпредставитель "
      "премьер-министра Грузии Зураб Абашидзе встретятся в Праге 3 декабря, чтобы обсудить "
      "безвизовый режим и прямые рейсы, сообщил Галузин ТАСС. Около 1,5 млн россиян посетили "
      "Грузию в 2025 году.")
SAME_DAY_OTHER = ("МОСКВА, 20 ноября. /ТАСС/. Президент России Владимир Путин провел телефонный "
                  "разговор с премьер-министром Индии Нарендрой Моди, сообщили в Кремле. Стороны "
                  "обсудили поставки нефти в 2025 году.")


def test_transliteration_meets_english_spelling() -> None:
    assert transliterate("Галузин")[:5] == transliterate("Galuzin")[:5]
    assert transliterate("Абашидзе")[:5] == transliterate("Abashidze")[:5]
    assert transliterate("აბაშიძე")[:5] == transliterate("Abashidze")[:5]


def test_translated_agency_story_agrees_and_explains_why() -> None:
    agreement = compare(signature(EN), signature(RU))
    assert agreement.same_story
    assert {"galuz", "abash", "zurab", "#1.5", "m12"} <= agreement.shared


def test_same_dateline_alone_is_not_the_same_story() -> None:
    agreement = compare(signature(EN), signature(SAME_DAY_OTHER))
    assert {"#20", "m11"} <= agreement.shared
    assert not agreement.same_story
