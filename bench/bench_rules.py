"""Rule matching speed: articles per second against 10, 100 and 1,000 rules over
10,000 synthetic articles (English, Russian, Georgian), on one core.

Target: 1,000 rules over 10,000 articles in under 5 seconds.
Usage: python bench/bench_rules.py [--articles 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.rules import AdHocRule, Document, RuleSet  # noqa: E402
from core.config import load_settings  # noqa: E402

VOCABULARY = {
    "en": ("minister said talks relations Georgia Russia Tbilisi Moscow visa flights economy "
           "parliament election government opposition trade security border sanctions meeting "
           "statement ministry foreign president week country energy market wheat port grain "
           "budget court police protest rally bank inflation tourism wine football rugby").split(),
    "ru": ("министр заявил переговоры отношения Грузия России Тбилиси Москвы визы рейсы экономика "
           "парламент выборы правительство оппозиция торговля безопасность граница санкции "
           "встреча заявление министерство президент неделя страна энергетика рынок зерно "
           "бюджет суд полиция протест митинг банк инфляция туризм вино футбол").split(),
    "ka": ("მინისტრი განცხადება მოლაპარაკება ურთიერთობები საქართველოს რუსეთთან თბილისში "
           "მოსკოვში ვიზები ფრენები ეკონომიკა პარლამენტი არჩევნები მთავრობა ოპოზიცია ვაჭრობა "
           "უსაფრთხოება საზღვარი სანქციები შეხვედრა სამინისტრო პრეზიდენტი კვირა ქვეყანა").split(),
}


def synthetic_vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Made-up words in three scripts, so that, as in real news, most rules' terms are
    absent from most articles."""
    alphabets = ["abcdefghijklmnopqrstuvwxyz", "абвгдежзиклмнопрстуфхцшэюя",
                 "აბგდევზთიკლმნოპრსტუფქღყშჩცძწჭხჯ"]
    return ["".join(rng.choice(alphabets[n % 3]) for _ in range(rng.randint(5, 10)))
            for n in range(size)]


def make_rules(count: int, rng: random.Random, shipped: list[AdHocRule],
               vocabulary: list[str]) -> list[AdHocRule]:
    rules = list(shipped)
    words = vocabulary
    while len(rules) < count:
        a, b, c = rng.sample(words, 3)
        shape = rng.randrange(4)
        query = [f"{a} AND {b}", f"({a} OR {b}) AND NOT {c}", f"{a} NEAR/10 {b}",
                 f'"{a} {b}" OR {c[:4]}*'][shape]
        rules.append(AdHocRule(f"r{len(rules)}", query))
    return rules[:count]


def make_articles(count: int, rng: random.Random, vocabulary: list[str]) -> list[Document]:
    articles = []
    for n in range(count):
        language = ("en", "ru", "ka")[n % 3]
        # common news words of the language plus words of the large synthetic vocabulary
        words = VOCABULARY[language] * 20 + vocabulary[n % 3::3]
        title = " ".join(rng.choice(words) for _ in range(8))
        body = " ".join(rng.choice(words) for _ in range(200))
        articles.append(Document(title, body, f"source{n % 10}", language))
    return articles


def python_speed() -> float:
    """Seconds for ten million steps of a plain Python loop: the machine's yardstick,
    since these timings are pure Python and machines differ threefold."""
    started = time.perf_counter()
    total = 0
    for step in range(10_000_000):
        total += step
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(11)
    settings = load_settings(ROOT / "settings.toml", environ={})
    shipped = [AdHocRule(r.name, r.query, list(r.channels), r.min_score) for r in settings.rules]
    vocabulary = synthetic_vocabulary(rng)
    articles = make_articles(args.articles, rng, vocabulary)
    print(f"rule matching over {args.articles} articles (200-word bodies, en/ru/ka), one core\n")
    print(f"{'rules':>6} {'compile s':>10} {'match s':>9} {'articles/s':>11} {'matches':>8}")
    for count in (10, 100, 1000):
        specs = make_rules(count, rng, shipped, vocabulary)
        started = time.perf_counter()
        rules = RuleSet.compile(specs, settings.aliases)
        compiled = time.perf_counter() - started
        started = time.perf_counter()
        matches = sum(len(rules.match(article)) for article in articles)
        elapsed = time.perf_counter() - started
        print(f"{count:>6} {compiled:>10.3f} {elapsed:>9.2f} {args.articles / elapsed:>11.0f} "
              f"{matches:>8}")
    print("\ntarget: 1,000 rules over 10,000 articles in under 5 s")
    print(f"this machine: a 10,000,000-step Python loop takes {python_speed():.2f} s")


if __name__ == "__main__":
    main()
