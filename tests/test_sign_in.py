"""Sign-in hardening on a real database: throttling with backoff, lockout and unlock, the audit
log (never a password), and the password rule. Time is passed in, not waited for."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from rag.appdata.accounts import (
    FREE_FAILURES,
    LOCK_AFTER,
    Account,
    SignInRefused,
    add_user,
    authenticate,
    check_password,
)
from rag.appdata.db import SignIn, open_database
from rag.errors import HubqaError
from rag.settings import Settings
from ui.cli import app

PASSWORD = "correct horse battery staple"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(settings: Settings):
    database = open_database(settings)
    add_user(database, "maria", "coach", PASSWORD)
    add_user(database, "omar", "coach", PASSWORD + "!")
    return database


def test_thirty_wrong_passwords_in_twenty_seconds_then_the_right_one_is_refused(db, caplog) -> None:
    """The probe: 30 wrong passwords in 21 s from one tab, then the right one signed in."""
    caplog.set_level(logging.INFO, logger="hubqa.signin")
    outcomes = []
    for i in range(30):
        try:
            outcomes.append(
                authenticate(
                    db, "maria", f"guess number {i}", client="10.0.0.7", now=START + timedelta(seconds=i * 0.7)
                )
            )
        except SignInRefused:
            outcomes.append("refused")
    assert outcomes[:FREE_FAILURES] == [None] * FREE_FAILURES and "refused" in outcomes
    with pytest.raises(SignInRefused, match=r"wait \d+ s"):
        authenticate(db, "maria", PASSWORD, client="10.0.0.7", now=START + timedelta(seconds=21))
    # after the wait, the right password works (and resets the count)
    assert authenticate(db, "maria", PASSWORD, client="10.0.0.8", now=START + timedelta(minutes=10)) == Account(
        "maria", "coach"
    )
    assert authenticate(db, "maria", "wrong again", now=START + timedelta(minutes=11)) is None

    rows = db.session("read", lambda s: list(s.scalars(select(SignIn))))
    assert {r.outcome for r in rows} == {"failed", "throttled", "ok"}
    logged = caplog.text + " ".join(f"{r.name} {r.client} {r.outcome}" for r in rows)
    assert "sign-in failed: account='maria' client=10.0.0.7" in caplog.text and "sign-in ok" in caplog.text
    assert PASSWORD not in logged and "guess number" not in logged


def test_the_wait_doubles_and_a_lockout_lasts_until_a_maintainer_lifts_it(db, settings: Settings) -> None:
    now = START
    waits = []
    for attempt in range(LOCK_AFTER):
        while True:
            try:
                assert authenticate(db, "omar", "not it at all", client=f"c{attempt}", now=now) is None
                break
            except SignInRefused as e:
                waits.append(int(str(e).split("wait ")[1].split(" s")[0]))
                now += timedelta(seconds=waits[-1])
        now += timedelta(seconds=1)
    assert len(waits) == LOCK_AFTER - FREE_FAILURES and waits == sorted(waits)  # the wait doubles...
    assert waits[:3] == [1, 3, 7] and max(waits) == 299  # ...up to 5 minutes (1 s already passed each time)
    with pytest.raises(SignInRefused, match="hubqa users unlock omar"):
        authenticate(db, "omar", PASSWORD + "!", now=now + timedelta(days=2))  # locked, even days later
    env = {"HUBQA_DATA_DIR": str(settings.data_dir)}
    listed = CliRunner().invoke(app, ["users", "list"], env=env)
    assert "omar\tcoach\tlocked" in listed.output
    assert CliRunner().invoke(app, ["users", "unlock", "omar"], env=env).exit_code == 0
    assert authenticate(db, "omar", PASSWORD + "!", now=now + timedelta(days=2)) == Account("omar", "coach")
    assert CliRunner().invoke(app, ["users", "unlock", "nobody"], env=env).exit_code == 1


def test_many_failures_from_one_client_slow_that_client_down_whatever_the_account(db) -> None:
    for i in range(20):  # a spray: a few guesses at many account names
        authenticate(db, f"user{i}", "password1", client="203.0.113.9", now=START + timedelta(seconds=i))
    with pytest.raises(SignInRefused):
        authenticate(db, "maria", PASSWORD, client="203.0.113.9", now=START + timedelta(seconds=20))
    assert authenticate(db, "maria", PASSWORD, client="198.51.100.1", now=START + timedelta(seconds=20))


@pytest.mark.parametrize(
    "password",
    [
        "",
        "          ",
        "\t\n  \t\n  ",
        "short",
        "password123",
        "qwertyuiop",
        "maria12345",
        "1234567890",
        "iloveyou2026",
    ],
)
def test_blank_short_and_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(HubqaError, match="password"):
        check_password(password, "maria")


def test_a_few_unrelated_words_make_a_good_password(settings: Settings) -> None:
    assert check_password("lantern okapi ribbon tundra", "maria")
    with pytest.raises(HubqaError, match="blank"):
        add_user(open_database(settings), "lee", "coach", " " * 12)
