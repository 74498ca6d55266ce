"""Student personal data in a question never reaches the logs, a model that is not local, or the
database (property-based, hypothesis).

Every place data could leak to is a *sink*: a function that returns what it holds as text. A new
place (another table, an export) is one more entry in ``sinks``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval.dataset import EvalQuestion as Question
from eval.privacy import PRIVACY_SET, evaluate
from eval.runner import score_question
from rag.answering.assistant import Assistant
from rag.appdata.db.database import Database, open_database
from rag.privacy import first_names, redact
from rag.search.embeddings import SentenceEmbeddings
from rag.settings import Settings
from tests.openai_stub import Script, openai_server

#: Generated questions per run: each goes through the whole assistant, a model server and the database
#: (about 2 s each), so `make test` runs 40 (every kind of data several times over, 80 s);
#: HUBQA_PRIVACY_EXAMPLES=500 for a longer search.
EXAMPLES = int(os.environ.get("HUBQA_PRIVACY_EXAMPLES", "40"))

# -- student personal data, as teachers type it ---------------------------------------------
_lower = string.ascii_lowercase + string.digits
emails = st.builds(
    lambda user, sep, more, domain, tld: f"{user}{sep}{more}@{domain}.{tld}",
    st.text(_lower, min_size=1, max_size=10),
    st.sampled_from(["", ".", "_", "+", "-"]),
    st.text(_lower, min_size=1, max_size=6),
    st.text(_lower, min_size=2, max_size=10),
    st.sampled_from(["org", "com", "edu", "k12.ca.us", "net"]),
)
digits = st.integers(0, 9).map(str)
phones = st.builds(
    lambda a, b, c, style: style.format(a, b, c),
    st.integers(200, 989).map(str),
    st.integers(200, 999).map(str),
    st.integers(0, 9999).map(lambda n: f"{n:04d}"),
    st.sampled_from(["({}) {}-{}", "{}-{}-{}", "{}.{}.{}", "+1 {} {} {}", "1-{}-{}-{}"]),
)
ssns = st.builds(
    lambda a, b, c: f"{a:03d}-{b:02d}-{c:04d}", st.integers(1, 899), st.integers(1, 99), st.integers(1, 9999)
)
student_ids = st.builds(
    lambda label, n: f"{label}{n}",
    st.sampled_from(["student ID ", "ID# ", "ID: ", "student number "]),
    st.integers(10_000, 99_999_999).map(str),
)
names = st.builds(
    lambda first, last, case: case(f"{first.title()} {last}"),
    st.one_of(
        st.sampled_from(sorted(n for n in first_names() if len(n) >= 3)),
        # given names of many origins that no census list holds
        st.sampled_from(
            [
                "Liam",
                "Priya",
                "Oluwaseun",
                "Xochitl",
                "Siobhán",
                "Jayden",
                "Mei-Ling",
                "Aiden",
                "Tenzin",
                "Zainab",
                "Łukasz",
                "Thiago",
                "Keoni",
                "Saanvi",
                "Dmitri",
                "Chidera",
            ]
        ),
    ),
    st.sampled_from(
        [
            "Miller",
            "Nguyen",
            "Okafor",
            "Whitlow",
            "García",
            "O'Brien",
            "Kowalski",
            "Haddad",
            "Patel",
            "Flores-Ortiz",
            "Morales",
        ]
    ),
    st.sampled_from([str, str.lower]),
)
health = st.sampled_from(
    [
        "ADHD",
        "dyslexia",
        "autism",
        "an IEP",
        "a 504 plan",
        "Ritalin",
        "type 1 diabetes",
        "epilepsy",
        "depression",
        "severe anxiety",
    ]
)
addresses = st.builds(
    lambda n, street, kind: f"{n} {street} {kind}",
    st.integers(1, 9999),
    st.sampled_from(["Maple", "Oak Hill", "Elm", "Jefferson", "Cedar Ridge"]),
    st.sampled_from(["Street", "Avenue", "Road", "Lane", "Drive", "Court"]),
)
births = st.builds(
    lambda m, d, y, style: style.format(m, d, y),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(2008, 2020),
    st.sampled_from(["born {}/{}/{}", "DOB: {}/{}/{}", "date of birth {}-{}-{}"]),
)

TEMPLATES = {
    "email": "Can I email {pii} about the field trip permission slip?",
    "phone": "The parent asked me to call {pii} about late homework. How long should homework take?",
    "ssn": "A form asks for the student's SSN {pii}; how do I handle records for the field trip?",
    "id": "My student with {pii} was caught using AI on an essay. What should I do first?",
    "name": "{pii} has an IEP and failed the quiz after using a chatbot. How do I talk to the student?",
    "name_health": "My student {pii} in 7th grade has {detail} and used ChatGPT on his lab report. What do I do?",
    "address": "The student lives at {pii}. Can the field trip bus stop there?",
    "birth": "The kid was {pii}. Is a third grader allowed to use chatbots in class?",
}
personal_data = st.one_of(
    *(
        strategy.map(lambda pii, kind=kind: (kind, pii))
        for kind, strategy in (
            ("email", emails),
            ("phone", phones),
            ("ssn", ssns),
            ("id", student_ids),
            ("name", names),
            ("address", addresses),
            ("birth", births),
        )
    ),
    st.builds(lambda name, detail: ("name_health", f"{name}|{detail}"), names, health),
)


def secrets_of(kind: str, pii: str) -> list[str]:
    """The strings that must not leak: the whole item, and for names each part of it."""
    if kind == "name":
        return pii.split()
    if kind == "name_health":  # the detail is checked where the hub's own text cannot be (its sources say "IEP" too)
        return pii.split("|")[0].split()
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
        settings_ = corpus_settings.model_copy(
            update={
                "llm_backend": "openai",
                "llm_model": "remote-model",
                "llm_base_url": url,
                "refusal_threshold": 0.0,
                "database_url": f"sqlite:///{data / 'hubqa.db'}",
            }
        )
        assistant = Assistant(settings_, embeddings=embeddings)
        db = open_database(settings_)

        def ask(question: str) -> dict:
            answer = assistant.ask(question, use_llm=True).to_dict()
            question_id = db.record_question(answer, {"llm_backend": "openai"})
            db.record_feedback(question_id, helpful=False, comment=f"Wrong for my class: {question}")
            return answer

        ask.checker = assistant.checker()
        yield ask, script, db
        db.dispose()


def assistant_checker(ask: Callable) -> object:
    return ask.checker


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(item=personal_data)
def test_student_data_never_reaches_logs_remote_model_or_database(
    item: tuple[str, str], sinks: tuple, caplog: pytest.LogCaptureFixture
) -> None:
    kind, pii = item
    ask, script, db = sinks
    question = (
        TEMPLATES[kind].format(pii=pii.split("|")[0], detail=pii.split("|")[1])
        if kind == "name_health"
        else TEMPLATES[kind].format(pii=pii)
    )
    caplog.clear()
    script.requests.clear()
    with caplog.at_level(logging.DEBUG):  # the root logger: every library's records included
        answer = ask(question)
    places: dict[str, Callable[[], str]] = {
        "logs": lambda: "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records),
        "request to the remote model": lambda: json.dumps(script.requests, ensure_ascii=False),
        "answer shown and returned": lambda: json.dumps(answer, ensure_ascii=False),
        "database": lambda: dump_database(db),
        "evaluation export": lambda: json.dumps(
            score_question(
                Question("p", "test", "adversarial", "student-data", question, history=[question]),
                answer,
                assistant_checker(ask),
            ),
            ensure_ascii=False,
        ),
    }
    assert script.requests, "the question never reached the model: nothing was tested"
    for place, read in places.items():
        text = read()
        leaked = [
            s for s in secrets_of(kind, pii) if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)
        ]  # "Deb", not "Debrief"
        assert leaked == [], f"{kind} {pii!r} reached the {place}"
    if kind == "name_health":  # an identified student's detail is generalised in what is kept of the question
        detail = pii.split("|")[1].split()[-1]
        kept = re.sub(
            r"\[[^\]]*\]",
            "",
            " ".join(  # "[a learning plan]" is the placeholder, not the detail
                [answer["question"], answer["standalone_question"]]
                + [f"{q.question} {q.standalone}" for q in db.questions()]
            ),
        )
        assert not re.search(rf"(?<!\w){re.escape(detail)}(?!\w)", kept), kept
    assert answer["redacted"], question


# -- the guard on its labelled set and on the cases that once got through ---------------------


def test_labelled_set_meets_the_targets_on_dev_and_test() -> None:
    """eval/sets/privacy.jsonl: name recall >= 0.98, health recall >= 0.95, precision >= 0.95 each."""
    report = evaluate(PRIVACY_SET, "all")
    for split in ("dev", "test"):
        summary = report[split]
        assert summary["name"]["recall"] >= 0.98, (split, summary["missed"])
        assert summary["health"]["recall"] >= 0.95, (split, summary["missed"])
        assert summary["name"]["precision"] >= 0.95, (split, summary["wrongly_removed"])
        assert summary["health"]["precision"] >= 0.95, (split, summary["wrongly_removed"])


@pytest.mark.parametrize(
    ("question", "gone"),
    [
        ("Can I ask priya patel to redo her essay?", ["priya", "patel"]),
        ("Aiden O'Brien's paragraph sounds nothing like him.", ["Aiden", "O'", "Brien"]),
        ("I think Liam used a chatbot for his book report.", ["Liam"]),
        ("Her password is Tiger!2024 and she can't log in to the tutor.", ["Tiger!2024"]),
        ("The class access code is 7H3K-99QZ. Can I post it for parents?", ["7H3K-99QZ"]),
        (
            "Jayden Morales, student ID 4417823, in my 7th grade class has an IEP for ADHD and I think he used "
            "ChatGPT on his lab report. What do I do?",
            ["Jayden", "Morales", "4417823", "IEP", "ADHD"],
        ),
        ("The hub page shows <b>Jordan Smith</b> where my answer was", ["Jordan", "Smith"]),
        ("jayden lol turned in ai work again", ["jayden"]),  # a chat word between a name and its verb
        ("Rosa Martinez asked a Rosa Parks chatbot to write her essay", ["Martinez"]),  # a student, beside a figure
        # the hub writes ADA, ELA in capitals, but a lower-case one after a cue or acting is a student
        ("my student ada wrote this with chatgpt", ["ada"]),
        ("ela wrote her poem with ai", ["ela"]),
        # found once, found everywhere: the second mention is lower case and followed by a typo'd "hasnt"
        ("Dmitri's mom emailed me and dmitri hasnt logged in since", ["Dmitri", "dmitri"]),
        ("Nguyễn Văn An keeps using a translator on his essays", ["Nguyễn", "Văn", "An"]),  # Vietnamese letters
        ("Is it ok if Omar al-Masri's group uses AI for slides?", ["Omar", "al-Masri"]),
        ("Kofi, Yaw and Efua all turned in the same paragraph", ["Kofi", "Yaw", "Efua"]),  # a list opens it
        ("Can I grade Zeynep's and Ilse's posters with AI?", ["Zeynep", "Ilse"]),
        ("sample comment for student: Tavita, kind to peers", ["Tavita"]),
        ("Teodor's dad said the password he picked was Lemon#88 so he can log in", ["Teodor", "Lemon#88"]),
        ("the join code for our whole 4th grade room is QP4-771 and kids lost it", ["QP4-771"]),
        ("Emre (DOB 04/02/2013) is moving schools", ["Emre", "04/02/2013"]),
        # a student singled out without a name: the health or family detail still goes
        ("a girl in my 4th period who is deaf wants to use captions", ["deaf"]),
        ("I have a 5th grader whose family is homeless, what apps work offline?", ["homeless"]),
        ("Femi's grandfather passed away last week", ["Femi", "passed away"]),
        # a title before a lower-case surname; the noun that introduces a name stays ("her son")
        ("email to mr. okonkwo about his daughter", ["okonkwo"]),
        ("how do I tell mrs. brown her son kwabena copied", ["brown", "kwabena"]),
        # names beside a name, whatever their case; a given name in capitals acting; a possessive
        ("I want to compare the drafts from Siobhan and chidinma", ["Siobhan", "chidinma"]),
        ("I'm pairing Rashid and chloe", ["Rashid", "chloe"]),  # a last name ten characters from the end
        # given names a 1990 US list lacks, typed in lower case, acting or owning something
        ("can bogdan use ai for his lab writeup", ["bogdan"]),
        ("tomasz keeps pasting his homework into gemini", ["tomasz"]),
        ("Can Grace and Hunter work together since they finish early?", ["Grace", "Hunter"]),
        ("KAYLA keeps pasting her homework into a chatbot", ["KAYLA"]),
        ("i'll start grading with oluwadamilare's essay since he's absent", ["oluwadamilare"]),
        # singled out without "my", and more family circumstances and support needs
        ("the girl in 2nd period who uses an AAC device wants to try the chatbot", ["AAC"]),
        ("a boy in the 6th grade class got caught vaping, can AI help with his reflection?", ["vaping"]),
        ("I have a student whose dad went to prison, how do I talk with her", ["went to prison"]),
        # a student the teacher writes to the staff about is no topic of study
        (
            "Can you draft an email to the school counselor about Daniyar? he has severe anxiety",
            ["Daniyar", "anxiety"],
        ),
        ("what should i tell the nurse about Bilal", ["Bilal"]),
        # names typed in capitals for emphasis, lower case with a chat spelling for a verb, two
        # lower-case names acting together, and a nickname
        ("MATEO AND DARIUS WERE ABSENT ON TEST DAY can ai make a makeup quiz", ["MATEO", "DARIUS"]),
        ("zainab wont stop asking the chatbot for answers", ["zainab"]),
        ("tenzin and wiremu were caught sharing a login", ["tenzin", "wiremu"]),
        ("my student Bartholomew (we call him bart) is behind in reading", ["Bartholomew", "bart"]),
        ("Guadalupe goes by lupe, can she use ai to study", ["Guadalupe", "lupe"]),
        # a password after "it's", and what a suspension was for
        ("Ikaika lost his login again, it's Surf2025go - can you reset it", ["Ikaika", "Surf2025go"]),
        ("my student Arman was suspended for two days for vandalism, what about his project", ["Arman", "vandalism"]),
        # a possessive after "about" that is a student's record, not a figure's work
        ("can you draft a note to Mr. Haddad about Yara's attendance", ["Haddad", "Yara"]),
    ],
)
def test_names_credentials_and_health_details_are_removed(question: str, gone: list[str]) -> None:
    clean, removed = redact(question)
    assert removed and not [g for g in gone if g in clean], clean
    assert all(r.reason for r in removed)  # the teacher is told why


@pytest.mark.parametrize(
    "question",
    [
        "How do I use AI with students who have IEPs?",
        "Will the AI detector tell me if an essay was written by AI?",
        "The AI policy review happens in May. Who should be on the committee?",
        "Our exchange students are from Jordan. Can AI help translate Arabic letters home?",
        "Is Claude approved for classroom use, or only Gemini?",
        "We're planning a field trip to Washington D.C. Can AI help plan it?",
        'Why does the answer show <img src="chart.png"> instead of a chart?',  # markup, not a name
        "Is a Honda Civic big enough for a field trip carpool?",
        "Can my 8th graders interview a Frederick Douglass chatbot for our unit?",  # a figure classes study
        "can my students interview a lincoln chatbot?",  # a figure's surname made a character, any case
        "We built a Marie Curie persona for the science fair, is that ok?",
        "which one should i pay for rn, gemini or chatgpt",  # chat words are nobody's name
        "lowkey drowning in essays rn lol, can ai grade them?",
        "How long do my students need to hang on to their AI chat logs?",  # 'Hang' is a given name too
        "Can AI rewrite a chapter at a lower reading level for my struggling readers?",  # 'My' too
        "what do i do if i see a student juuling in the hallway",  # a participle newer than the dictionary
        "any good hulu documentaries i could show for a sub day?",  # a brand after an adjective
        # what the hub writes in capitals (ADA, IEP), typed in lower case, and chat shorthand
        "does the ada title ii rule even apply to tools we license?",
        "i pasted part of a students iep into chatgpt, what now",
        "how do i make 3 versions of a reading for diff reading levels",
        "can u show me an example of running it on like ai made math word problems",
        # events, works and characters classes study; places; possessives' nouns; titles before a figure
        "For our Civil War unit can ChatGPT play a soldier writing home?",
        "Can students interview Atticus Finch with a chatbot, or is that too weird?",
        "My 9th graders are reading Romeo and Juliet: can Claude modernise a scene?",
        "What should the Hamilton project rubric say about AI images?",
        "Can AI write clues for a Earth Day scavenger hunt?",
        "Our Korean and Hawaiian exchange students want translated forms",
        "We visit jackson, mississippi in May. Can AI plan the day?",
        "Can Gemini sort my class into groups by their Lexile scores?",
        "Is DeepSeek allowed on school devices?",
        "A Dr. Seuss rhyme about recycling for my kindergarten?",
        "How do I support students who are grieving?",  # general: no one singled out
        "What's a good recipe for lasagna for 12 people?",  # a lower-case surname-like word after "for"
        "Can my AP Chem kids use Quillbot for lab reports?",  # a course and a tool, capitalised
        "Should we use Blooket or Gimkit for review day in May?",
        # words the world's list of given names holds too, used as words
        "project ideas for an ancient egypt unit",
        "How do I run a cookie dough fundraiser without handling a ton of cash?",
        "fun ways to teach the causes of the french revolution to 10th graders?",
        "How do I support students who use AAC devices?",  # general: no one singled out
        # acronyms every school uses, typed in lower case after a word that cues a name
        "how do i file for fmla for my maternity leave, what forms do i need",
        "any good ideas for sel lessons with ai?",
        "what data do i bring for mtss meetings",
        # a word newer than the dictionary, in lower case, where a name could act
        "How much internet bandwidth do we need per classroom if 30 students use AI tools?",
        # school shorthand, and a figure a class studies after the students learn "about"
        "how do i support students with ADHD in a general ed classroom without singling them out?",
        "what should my students know about Frederick Douglass before the debate",
        # chat spellings where a name could act
        "yall prolly know this but how do ppl use ai to write rubrics, lmk",
        # landforms and a public figure with an initial
        "a project on the Jordan River watershed for my 6th graders",
        "comparing the speeches of Frederick Douglass and Malcolm X with an ai chatbot",
        # authors classes read, with their initials
        "my 8th graders loved The Outsiders, what did S.E. Hinton say about writing it",
        "can a chatbot pretend to be Lois Lowry for a Giver discussion",
        "a lesson about Lincoln's speeches and Douglass's writings",
        "WHY IS THE AI TOOL BLOCKED ON OUR CHROMEBOOKS this week",
    ],
)
def test_general_questions_and_near_misses_stay_untouched(question: str) -> None:
    assert redact(question) == (question, [])


def test_an_outside_set_is_scored_whole_and_a_bad_line_is_named(tmp_path: Path) -> None:
    good = tmp_path / "fresh.jsonl"
    good.write_text(
        json.dumps(
            {
                "id": "f1",
                "question": "Can Xochitl in my class use Gemini? She has dyslexia.",
                "personal": [{"kind": "name", "text": "Xochitl"}, {"kind": "health", "text": "dyslexia"}],
                "keep": ["Gemini"],
            }
        )
        + "\n"
    )
    report = evaluate(good)
    assert report["all"]["name"]["recall"] == 1.0 and report["all"]["health"]["recall"] == 1.0
    assert report["all"]["near_misses_kept"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "Can Ana use AI?", "personal": [{"kind": "name", "text": "Anna"}]}) + "\n")
    from rag.errors import HubqaError

    with pytest.raises(HubqaError, match=r"bad.jsonl, line 1: personal text 'Anna' is not in the question"):
        evaluate(bad)
