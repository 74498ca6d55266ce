"""Student personal data in a question never reaches the logs, a model that is not local, or the
database (property-based, hypothesis).

Every place data could leak to is a *sink*: a function that returns what it holds as text. A new
place (another table, an export) is one more entry in ``sinks``.
"""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.assistant import Assistant
from rag.db.database import Database, open_database
from rag.embeddings import SentenceEmbeddings
from rag.privacy import first_names
from rag.settings import Settings
from tests.openai_stub import Script, openai_server

EXAMPLES = 100

# -- student personal data, as teachers type it ---------------------------------------------
_lower = string.ascii_lowercase + string.digits
emails = st.builds(
    lambda user, sep, more, domain, tld: f"{user}{sep}{more}@{domain}.{tld}",
    st.text(_lower, min_size=1, max_size=10), st.sampled_from(["", ".", "_", "+", "-"]),
    st.text(_lower, min_size=1, max_size=6), st.text(_lower, min_size=2, max_size=10),
    st.sampled_from(["org", "com", "edu", "k12.ca.us", "net"]),
)
digits = st.integers(0, 9).map(str)
phones = st.builds(
    lambda a, b, c, style: style.format(a, b, c),
    st.integers(200, 989).map(str), st.integers(200, 999).map(str), st.integers(0, 9999).map(lambda n: f"{n:04d}"),
    st.sampled_from(["({}) {}-{}", "{}-{}-{}", "{}.{}.{}", "+1 {} {} {}", "1-{}-{}-{}"]),
)
ssns = st.builds(lambda a, b, c: f"{a:03d}-{b:02d}-{c:04d}", st.integers(1, 899), st.integers(1, 99), st.integers(1, 9999))
student_ids = st.builds(lambda label, n: f"{label}{n}", st.sampled_from(["student ID ", "ID# ", "ID: ", "student number "]),
                        st.integers(10_000, 99_999_999).map(str))
names = st.builds(
    lambda first, last: f"{first.title()} {last}",
    st.sampled_from(sorted(n for n in first_names() if len(n) >= 3)),
    st.sampled_from(["Miller", "Nguyen", "Okafor", "Whitlow", "García", "O'Brien", "Kowalski", "Haddad"]),
)
addresses = st.builds(lambda n, street, kind: f"{n} {street} {kind}", st.integers(1, 9999),
                      st.sampled_from(["Maple", "Oak Hill", "Elm", "Jefferson", "Cedar Ridge"]),
                      st.sampled_from(["Street", "Avenue", "Road", "Lane", "Drive", "Court"]))
births = st.builds(lambda m, d, y, style: style.format(m, d, y), st.integers(1, 12), st.integers(1, 28),
                   st.integers(2008, 2020), st.sampled_from(["born {}/{}/{}", "DOB: {}/{}/{}", "date of birth {}-{}-{}"]))

TEMPLATES = {
    "email": "Can I email {pii} about the field trip permission slip?",
    "phone": "The parent asked me to call {pii} about late homework. How long should homework take?",
    "ssn": "A form asks for the student's SSN {pii}; how do I handle records for the field trip?",
    "id": "My student with {pii} was caught using AI on an essay. What should I do first?",
    "name": "{pii} has an IEP and failed the quiz after using a chatbot. How do I talk to the student?",
    "address": "The student lives at {pii}. Can the field trip bus stop there?",
    "birth": "The kid was {pii}. Is a third grader allowed to use chatbots in class?",
}
personal_data = st.one_of(
    *(strategy.map(lambda pii, kind=kind: (kind, pii)) for kind, strategy in
      (("email", emails), ("phone", phones), ("ssn", ssns), ("id", student_ids), ("name", names),
       ("address", addresses), ("birth", births)))
)


def secrets_of(kind: str, pii: str) -> list[str]:
    """The strings that must not leak: the whole item, and for names each part of it."""
    if kind == "name":
        return pii.split()
    if kind == "id":
        return [pii.split()[-1]]
    return [pii]


def dump_database(db: Database) -> str:
    """Every stored question and feedback row, as text."""
    rows = [q.__dict__ for q in db.questions()] + [f.__dict__ for f, _ in db.feedback()]
    return json.dumps([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows], default=str)


@pytest.fixture(scope="module")
def sinks(corpus_settings: Settings, embeddings: SentenceEmbeddings, tmp_path_factory: pytest.TempPathFactory):
    """(ask, [(sink name, read sink)]): asking goes through the assistant, the model and the database."""
    script = Script(replies=["Meet with the student within 2 school days [1]."] * (3 * EXAMPLES))
    data = tmp_path_factory.mktemp("privacy-db")
    with openai_server(script) as url:
        settings_ = corpus_settings.model_copy(update={
            "llm_backend": "openai", "llm_model": "remote-model", "llm_base_url": url, "refusal_threshold": 0.0,
            "database_url": f"sqlite:///{data / 'hubqa.db'}",
        })
        assistant = Assistant(settings_, embeddings=embeddings)
        db = open_database(settings_)

        def ask(question: str) -> dict:
            answer = assistant.ask(question, use_llm=True).to_dict()
            question_id = db.record_question(answer, {"llm_backend": "openai"})
            db.record_feedback(question_id, helpful=False, comment=f"Wrong for my class: {question}")
            return answer

        yield ask, script, db
        db.dispose()


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(item=personal_data)
def test_student_data_never_reaches_logs_remote_model_or_database(
    item: tuple[str, str], sinks: tuple, caplog: pytest.LogCaptureFixture
) -> None:
    kind, pii = item
    ask, script, db = sinks
    question = TEMPLATES[kind].format(pii=pii)
    caplog.clear()
    script.requests.clear()
    with caplog.at_level(logging.DEBUG):  # the root logger: every library's records included
        answer = ask(question)
    places: dict[str, Callable[[], str]] = {
        "logs": lambda: "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records),
        "request to the remote model": lambda: json.dumps(script.requests, ensure_ascii=False),
        "answer shown and returned": lambda: json.dumps(answer, ensure_ascii=False),
        "database": lambda: dump_database(db),
    }
    assert script.requests, "the question never reached the model: nothing was tested"
    for place, read in places.items():
        text = read()
        leaked = [s for s in secrets_of(kind, pii) if s in text]
        assert leaked == [], f"{kind} {pii!r} reached the {place}"
    assert answer["redacted"], question
