"""Every bookmaker's quotes of a match: reference, best price, order-free."""

import itertools
from datetime import UTC, datetime, timedelta

from models.quotes import Book, Quote

T = datetime(2024, 8, 16, 18, 0, tzinfo=UTC)
QUOTES = [
    Quote("market-max", T, (2.30, 3.70, 4.20)),
    Quote("market-avg", T, (2.15, 3.45, 3.85)),
    Quote("pinnacle", T, (2.20, 3.50, 3.95)),
    Quote("bet365", T, (2.10, 3.70, 3.80)),
    Quote("unibet", T, (2.30, 3.40, 3.90)),
]


def test_reference_and_best_price_do_not_depend_on_arrival_order():
    answers = set()
    for order in itertools.permutations(QUOTES):
        book = Book()
        for quote in order:
            book.update("pre", quote)
        answers.add((book.reference("pre"), book.best("pre")))
    assert answers == {(QUOTES[2], ((2.30, "unibet"), (3.70, "bet365"), (4.20, "market-max")))}


def test_the_reference_falls_back_in_order_of_sharpness():
    book = Book()
    for quote in (QUOTES[0], QUOTES[1]):
        book.update("close", quote)
    assert book.reference("close").bookmaker == "market-avg"
    book.update("close", QUOTES[4])
    assert book.reference("close").bookmaker == "unibet"
    book.update("close", QUOTES[3])
    assert book.reference("close").bookmaker == "bet365"
    assert book.reference("pre") is None and book.best("pre") == ()


def test_a_later_quote_replaces_an_earlier_one_and_a_stale_one_is_ignored():
    book = Book()
    book.update("pre", QUOTES[2])
    newer = Quote("pinnacle", T + timedelta(hours=1), (2.0, 3.6, 4.3))
    book.update("pre", newer)
    book.update("pre", QUOTES[2])  # arrives late: older than what the book holds
    assert book.quote("pre", "pinnacle") == newer
