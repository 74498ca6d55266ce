"""End to end in a real headless Chromium: a teacher asks and rates, a coach uploads, a maintainer looks.

Debian's ``chromium`` package is driven by the Python ``playwright`` package (browsers cannot be
downloaded here); `.ci/run` installs it. Screenshots of every page land in test-artifacts/e2e/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.accounts import add_user
from rag.db import open_database
from rag.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 180_000

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="no Chromium: install Debian's chromium package (`.ci/run` does)"
)
playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Stop a server we started: politely, then for good (Streamlit may take a while under load)."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(corpus_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """`hubqa ui` on a copy of the corpus index, with its own database and upload folder."""
    shutil.copytree(corpus_settings.store_path, tmp_path / "store")
    env = {**os.environ, "HUBQA_STORE_DIR": str(tmp_path / "store"), "HUBQA_DATA_DIR": str(tmp_path / "data"),
           "HUBQA_CORPUS_DIR": str(tmp_path / "uploads"), "HF_HUB_OFFLINE": "1"}
    settings = load_settings(store_dir=tmp_path / "store", data_dir=tmp_path / "data", corpus_dir=tmp_path / "uploads")
    db = open_database(settings)
    add_user(db, "coach", "coach", "coach-password-1")
    add_user(db, "lead", "maintainer", "lead-password-1")
    port = free_port()
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "ui", "--port", str(port)], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the app did not start: {(tmp_path / 'ui.log').read_text()[-2000:]}")
        yield url, settings
    finally:
        stop(proc)


@pytest.fixture
def page() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)  # a fresh profile each time
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        yield page
        browser.close()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]  (let charts and tables paint)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def ask(page: object, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")  # type: ignore[attr-defined]
    box.fill(question)
    box.press("Enter")


def sign_in(page: object, name: str, password: str) -> None:
    page.get_by_role("link", name="Sign in").click()  # type: ignore[attr-defined]
    page.get_by_label("Account name").fill(name)  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Password").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Sign out").wait_for()  # type: ignore[attr-defined]


def test_teacher_coach_and_maintainer_in_a_real_browser(app_url: tuple[str, Settings], page: object,
                                                        tmp_path: Path) -> None:
    url, settings = app_url
    db = open_database(settings)
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_text("Try one of these").wait_for()  # type: ignore[attr-defined]
    shot(page, "1-chat-empty")

    # A teacher asks, sees a citation card, and gives a thumbs-down with a comment.
    ask(page, "How long do I have to meet with the student after I suspect AI use?")
    card = page.get_by_test_id("stExpander").filter(has_text="Handling Suspected AI Use")  # type: ignore[attr-defined]
    card.first.click()
    link = page.locator("a", has_text="Open the document at this place").first  # type: ignore[attr-defined]
    href = link.get_attribute("href")
    page.get_by_label("Thumbs down").click()  # type: ignore[attr-defined]
    page.get_by_label("Tell us more (optional)").fill("It should mention the letter to the family")  # type: ignore[attr-defined]
    page.get_by_text("A cited source is wrong or out of date").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Send feedback").click()  # type: ignore[attr-defined]
    page.get_by_text("a coach will read this").wait_for()  # type: ignore[attr-defined]
    shot(page, "2-chat-answer-feedback")
    [(feedback, question)] = db.feedback()
    assert feedback.helpful is False and feedback.wrong_source is True
    assert feedback.comment == "It should mention the letter to the family"
    assert "meet with the student" in question.question
    assert question.citations[0]["doc_id"] == "corpus/handling-suspected-ai-use-in-essays.md"

    # The citation opens the document at the cited section.
    page.goto(f"{url}/{href.lstrip('/')}" if not href.startswith("http") else href)  # type: ignore[attr-defined]
    page.get_by_text("The cited place:").wait_for()  # type: ignore[attr-defined]
    shot(page, "3-document")

    # A coach signs in, uploads a document, and the chat answers from it.
    page.goto(url)  # type: ignore[attr-defined]
    sign_in(page, "coach", "coach-password-1")
    shot(page, "4-account")
    page.get_by_role("link", name="Corpus").click()  # type: ignore[attr-defined]
    upload = tmp_path / "field trip buses.md"
    upload.write_text("# Field Trip Buses\n\nBook the field trip bus 15 school days ahead through the transport "
                      "office. Every trip needs one adult chaperone per 10 students.\n")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))  # type: ignore[attr-defined]
    page.get_by_text("field trip buses.md").first.wait_for()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Add to the hub").click()  # type: ignore[attr-defined]
    page.get_by_text("Added field trip buses.md").wait_for()  # type: ignore[attr-defined]
    shot(page, "5-corpus-upload")
    assert (settings.corpus_dir / "field trip buses.md").is_file()
    page.get_by_role("link", name="Insights").click()  # type: ignore[attr-defined]
    page.get_by_text("Never cited").wait_for()  # type: ignore[attr-defined]  (the page's last element)
    shot(page, "6-insights")
    page.get_by_role("link", name="Ask the hub").click()  # type: ignore[attr-defined]
    ask(page, "How many days ahead must I book the field trip bus?")
    page.get_by_test_id("stExpander").filter(has_text="Field Trip Buses").first.wait_for()  # type: ignore[attr-defined]
    assert "15 school days" in page.get_by_test_id("stChatMessage").last.inner_text()  # type: ignore[attr-defined]
    shot(page, "7-chat-uploaded-document")

    # A maintainer sees the dashboard; the coach did not.
    page.get_by_role("link", name="Sign out").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
    assert page.get_by_role("link", name="Dashboard").count() == 0  # type: ignore[attr-defined]
    sign_in(page, "lead", "lead-password-1")
    page.get_by_role("link", name="Dashboard").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Settings").wait_for()  # type: ignore[attr-defined]  (the page's last element)
    shot(page, "8-dashboard")


# -- hostile content: nothing remote is ever requested ----------------------------------------


class Beacon:
    """An HTTP server on another loopback address standing in for an attacker's tracker."""

    def __init__(self) -> None:
        import http.server
        import threading

        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hostile_document(beacon: str) -> str:
    return (f"---\ntitle: \"Field Trip Buses ![t]({beacon}/title.png)\"\ntopic: \"buses ![i]({beacon}/tag.png)\"\n---\n"
            f"# Field Trip Buses\n\n## Booking the bus [![b]({beacon}/h2.png)]({beacon}/h2)\n\n"
            f"Book the field trip bus 15 school days ahead through the transport office. "
            f"See [![badge]({beacon}/badge.png)]({beacon}/nested), ![pixel]({beacon}/pixel.gif), "
            f"<img src=\"{beacon}/raw.png\">, <{beacon}/auto> and {beacon}/bare for the bus form.\n\n"
            f"Every trip needs one adult chaperone per 10 students [details]({beacon}/link).\n")


@pytest.fixture
def hostile_app(corpus_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Settings, Beacon]]:
    """The corpus plus a hostile document, `hubqa ui`, and (when installed) nginx with the
    deployment's own configuration in front, as in production."""
    from ingest.pipeline import Ingestor

    beacon = Beacon()
    shutil.copytree(corpus_settings.store_path, tmp_path / "store")
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "buses.md").write_text(hostile_document(beacon.url))
    settings = load_settings(store_dir=tmp_path / "store", data_dir=tmp_path / "data", corpus_dir=hub)
    assert Ingestor(settings).run([hub]).failed == []
    add_user(open_database(settings), "coach", "coach", "lantern okapi ribbon tundra")
    env = {**os.environ, "HUBQA_STORE_DIR": str(tmp_path / "store"), "HUBQA_DATA_DIR": str(tmp_path / "data"),
           "HUBQA_CORPUS_DIR": str(hub), "HF_HUB_OFFLINE": "1"}
    port = free_port()
    log = (tmp_path / "ui.log").open("w")
    procs = [subprocess.Popen([sys.executable, "-m", "ui.cli", "ui", "--port", str(port)], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT)]
    url = f"http://localhost:{port}"
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if Path(nginx).exists():
        front = free_port()
        conf = (REPO / "deploy" / "nginx.conf").read_text().replace("listen 8600;", f"listen 127.0.0.1:{front};")
        (tmp_path / "nginx.conf").write_text(conf)
        (tmp_path / "hubqa-upstreams.conf").write_text(f"server 127.0.0.1:{port};\n")
        shutil.copy(REPO / "deploy" / "security-headers.conf", tmp_path)
        procs.append(subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                       "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT))
        url = f"http://127.0.0.1:{front}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the app did not start: {(tmp_path / 'ui.log').read_text()[-2000:]}")
        yield url, settings, beacon
    finally:
        for proc in procs:
            stop(proc)
        beacon.close()


def test_hostile_question_comment_and_document_request_nothing_remote(
        hostile_app: tuple[str, Settings, Beacon], page: object) -> None:
    from urllib.parse import urlsplit

    url, settings, beacon = hostile_app
    requests: list[str] = []
    refused: list[str] = []
    page.on("request", lambda r: requests.append(r.url))  # type: ignore[attr-defined]
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)  # type: ignore[attr-defined]
    question = (f"When must I book the field trip bus? [Coaches: your session expired, sign in again]({beacon.url}/login)"
                f" ![x]({beacon.url}/q.png) {beacon.url}/bare")
    page.goto(url)  # type: ignore[attr-defined]
    ask(page, question)
    card = page.get_by_test_id("stExpander").filter(has_text="Field Trip Buses")  # type: ignore[attr-defined]
    card.first.click()
    page.get_by_text("15 school days").first.wait_for()  # type: ignore[attr-defined]
    page.get_by_label("Thumbs down").click()  # type: ignore[attr-defined]
    page.get_by_label("Tell us more (optional)").fill(  # type: ignore[attr-defined]
        f"**Urgent** [re-enter your password]({beacon.url}/comment) ![c]({beacon.url}/c.png)")
    page.get_by_role("button", name="Send feedback").click()  # type: ignore[attr-defined]
    page.get_by_text("a coach will read this").wait_for()  # type: ignore[attr-defined]
    shot(page, "hostile-1-source-cards")

    sign_in(page, "coach", "lantern okapi ribbon tundra")
    page.get_by_role("link", name="Insights").click()  # type: ignore[attr-defined]
    page.get_by_text("Never cited").wait_for()  # type: ignore[attr-defined]
    for expander in page.get_by_test_id("stExpander").all():  # type: ignore[attr-defined]
        expander.click()
    page.get_by_text("re-enter your password").first.wait_for()  # type: ignore[attr-defined]  (as text)
    shot(page, "hostile-2-insights")
    page.get_by_role("link", name="Corpus").click()  # type: ignore[attr-defined]
    page.get_by_text("Add documents").wait_for()  # type: ignore[attr-defined]
    page.goto(f"{url}/document?doc=hub%2Fbuses.md&page=%C2%B2")  # type: ignore[attr-defined]
    page.get_by_text("The whole document").wait_for()  # type: ignore[attr-defined]
    shot(page, "hostile-3-document")

    here = urlsplit(url).netloc
    outside = [r for r in requests if urlsplit(r).netloc != here and not r.startswith(("data:", "blob:"))]
    assert outside == [] and beacon.hits == []
    assert page.locator(f"img[src*='127.0.0.2'], a[href*='127.0.0.2']").count() == 0  # type: ignore[attr-defined]
    assert refused == []  # the app itself runs under the deployment's Content-Security-Policy
    [(feedback, stored)] = open_database(settings).feedback()
    assert "Coaches: your session expired" in stored.question and "re-enter your password" in feedback.comment


def test_rapid_questions_from_several_tabs_are_all_stored(app_url: tuple[str, Settings], page: object) -> None:
    """Four tabs, five questions each, each sent the moment its box accepts one: all 20 stored."""
    url, settings = app_url
    browser = page.context.browser  # type: ignore[attr-defined]
    tabs = [page] + [browser.new_page(viewport={"width": 1300, "height": 1000}) for _ in range(3)]
    for tab in tabs:
        tab.set_default_timeout(WAIT_MS)
        tab.goto(url)
        tab.get_by_text("Try one of these").wait_for()
    questions = ["What should I never paste into a chatbot?", "Who approves a new AI tool for my class?",
                 "What can 3rd graders do with chatbots?", "How do I cite AI use?",
                 "What is the AI use level for a essay draft?"]
    for n, question in enumerate(questions):
        for i, tab in enumerate(tabs):
            box = tab.get_by_test_id("stChatInputTextArea")
            box.fill(f"{question} (tab {i}, round {n})")  # waits until the box is enabled again
            box.press("Enter")
    db = open_database(settings)
    deadline = time.time() + 300
    while len(db.questions()) < 20 and time.time() < deadline:
        time.sleep(1)
    stored = sorted(q.question for q in db.questions())
    assert len(stored) == 20, stored
    assert len(set(stored)) == 20


def test_student_data_never_reaches_transcript_database_or_next_question(app_url: tuple[str, Settings], page: object) -> None:
    """Issue 17: the name, ID and diagnosis are removed; the teacher sees what and why before the answer."""
    url, settings = app_url
    db = open_database(settings)
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_text("Try one of these").wait_for()  # type: ignore[attr-defined]
    ask(page, "Jayden Morales, student ID 4417823, in my 7th grade class has an IEP for ADHD and I think he used "
              "ChatGPT on his lab report. What do I do?")
    page.get_by_text("Removed before your question was used").wait_for()  # type: ignore[attr-defined]
    page.get_by_label("Thumbs down").wait_for()  # type: ignore[attr-defined]  (the answer is finished)
    messages = page.get_by_test_id("stChatMessage")  # type: ignore[attr-defined]
    asked = messages.nth(0).inner_text()
    assert "[STUDENT]" in asked and "Jayden Morales" in asked  # the notice: what was removed, and why
    shot(page, "9-privacy-removed")
    ask(page, "What should I say to the family?")
    page.get_by_label("Thumbs down").nth(1).wait_for()  # type: ignore[attr-defined]
    shot(page, "10-privacy-next-question")
    transcript = " ".join(messages.nth(i).inner_text() for i in range(messages.count()))
    assert [s for s in ("Jayden", "Morales", "4417823", "ADHD") if s in transcript] == [], transcript
    stored = db.questions()
    assert len(stored) == 2
    for row in stored:
        held = f"{row.question} {row.standalone}"
        assert [s for s in ("Jayden", "Morales", "4417823", "ADHD", "IEP") if s in held] == [], held
