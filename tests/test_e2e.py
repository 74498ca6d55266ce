"""End to end in a real headless Chromium: teachers, a coach and a maintainer, as they use the app.

Debian's ``chromium`` package is driven by the Python ``playwright`` package (browsers cannot be
downloaded here); `.ci/run` installs it. One browser runs every scenario, each in a fresh
context (its own cookies, like another person's browser); screenshots of every step land in
test-artifacts/e2e/. The app runs as `hubqa ui` in its own process group, stopped whole.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from eval.report import headline
from rag.appdata.accounts import add_user
from rag.appdata.db import open_database
from rag.settings import Settings, load_settings
from tests.appserver import free_port, running_ui, start_ui, stop_process_group, wait_healthy

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 180_000
ESSAY_GUIDE = "corpus/handling-suspected-ai-use-in-essays.md"
TAGGED = (
    "---\ntitle: Recess Duty Rota\ngrade_band: K-2\naudience: coach\n---\n# Recess Duty Rota\n\n"
    "Two adults supervise every recess. The duty rota is posted in the staff room on Mondays.\n"
)
UNTAGGED = (
    "# Field Trip Buses\n\nBook the field trip bus 15 school days ahead through the transport office. "
    "Every trip needs one adult chaperone per 10 students.\n"
)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="no Chromium: install Debian's chromium package (`.ci/run` does)"
)
playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def app(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings, Path]]:
    """`hubqa ui` on a copy of the corpus index, with its own database, uploads folder and accounts."""
    tmp = tmp_path_factory.mktemp("e2e")
    shutil.copytree(corpus_settings.store_path, tmp / "store")
    env = {
        **os.environ,
        "HUBQA_STORE_DIR": str(tmp / "store"),
        "HUBQA_DATA_DIR": str(tmp / "data"),
        "HF_HUB_OFFLINE": "1",
    }
    settings = load_settings(store_dir=tmp / "store", data_dir=tmp / "data")
    db = open_database(settings)
    add_user(db, "coach", "coach", "coach-password-1")
    add_user(db, "lead", "maintainer", "lead-password-1")
    add_user(db, "tina", "teacher", "tina-password-1")
    report = {
        "dev": {
            "questions": 40,
            "retrieval": {"hit_at_5": 0.9, "mrr": 0.8},
            "answers": {"grounding": 0.97},
            "baseline": {"retrieval": {"hit_at_5": 0.6, "mrr": 0.5}},
        }
    }
    db.record_eval_run(report, headline(report), "dev", "hub.jsonl")  # one run so far: its chart must show it
    with running_ui(env, tmp / "ui.log") as url:
        yield url, settings, tmp / "ui.log"
    log = (tmp / "ui.log").read_text()
    assert "deprecat" not in log.lower() and "use_container_width" not in log, log[-3000:]


@pytest.fixture
def app_url(corpus_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """A fresh `hubqa ui` of this test's own (its own database: the test counts what it stores)."""
    shutil.copytree(corpus_settings.store_path, tmp_path / "store")
    env = {
        **os.environ,
        "HUBQA_STORE_DIR": str(tmp_path / "store"),
        "HUBQA_DATA_DIR": str(tmp_path / "data"),
        "HF_HUB_OFFLINE": "1",
    }
    settings = load_settings(store_dir=tmp_path / "store", data_dir=tmp_path / "data")
    with running_ui(env, tmp_path / "ui.log") as url:
        yield url, settings


def stop(proc: subprocess.Popen) -> None:
    """Stop a server we started: politely, then for good (it may take a while under load)."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (cookies and all) for one person."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    idle(page)
    page.wait_for_timeout(1500)  # let charts, tables and images paint
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def idle(page: Any) -> None:
    """Wait until the app has finished its current run (what a person waits for before typing)."""
    page.wait_for_function("document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'")


def ask(page: Any, question: str) -> Any:
    """Ask, and wait for this question's answer (the new last chat message with feedback thumbs)."""
    idle(page)
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('[data-testid=stChatMessage]').length >= {before + 2}")
    answer = page.get_by_test_id("stChatMessage").nth(before + 1)
    answer.get_by_role("button", name="Ask again").wait_for()
    return answer


def sign_in(page: Any, name: str, password: str) -> None:
    """Sign in from the menu's "Sign in" link."""
    page.get_by_role("link", name="Sign in").click()
    sign_in_here(page, name, password)


def sign_in_here(page: Any, name: str, password: str) -> None:
    page.get_by_label("Account name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Sign out").wait_for()


def session_cookie(page: Any, present: bool = True) -> dict[str, Any] | None:
    """The sign-in cookie, once the page has handed it to the server (or once it is gone)."""
    for _ in range(100):
        found = [c for c in page.context.cookies() if c["name"] == "hubqa_session"]
        if bool(found) == present:
            return found[0] if found else None
        page.wait_for_timeout(200)
    pytest.fail(f"the sign-in cookie is {'missing' if present else 'still there'}")


HIGHLIGHTED = """() => [...document.querySelectorAll('[data-testid=stMarkdownContainer] span')]
    .filter(e => { const c = getComputedStyle(e).backgroundColor; return c && c !== 'rgba(0, 0, 0, 0)'; })
    .map(e => e.textContent)"""


def highlighted_texts(page: Any) -> list[str]:
    """Text the page shows on a highlighter background (Markdown's :yellow-background[...]).

    The heading "The cited place:" is drawn before the section under it, so this waits (up to 10 s)
    for the first highlighted span; an empty list after that means nothing was highlighted.
    """
    try:
        page.wait_for_function(f"({HIGHLIGHTED})().length > 0", timeout=10_000)
    except playwright.TimeoutError:  # the caller's assertion says what is missing
        pass
    return page.evaluate(HIGHLIGHTED)


def highlighted_pixels(page: Any, url: str) -> int:
    """Pixels of the shown page image that are the highlighter's yellow over paper."""
    from tests.test_document_view import yellow_pixels

    for _ in range(20):  # after "Next page" the old image's media URL is gone until the new one is drawn
        src = page.get_by_test_id("stImage").locator("img").first.get_attribute("src")
        try:
            body = page.request.get(src if src.startswith("http") else f"{url}{src}").body()
        except playwright.Error:  # the old image's URL dropped mid-request (a reset under load): try again
            body = b""
        if body[:8] == b"\x89PNG\r\n\x1a\n" or body[:3] == b"\xff\xd8\xff":
            return yellow_pixels(body)
        page.wait_for_timeout(250)
    raise AssertionError(f"the page image at {src} never loaded")


def test_teacher_filters_sources_pdf_view_and_feedback(app: tuple[str, Settings, Path], page: Any) -> None:
    url, settings, _ = app
    db = open_database(settings)
    page.goto(url)
    page.get_by_text("Try one of these").wait_for()
    shot(page, "01-chat-empty")

    # A filter that leaves nothing relevant: the refusal says which filters, and offers the whole hub.
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").filter(has_text="Grade band").click()
    bands = page.get_by_role("option").all_inner_texts()
    # A teacher's order (the vocabulary's: single bands youngest first, then spans), not the text's.
    assert bands == ["Any", "K-2", "3-5", "6-8", "9-12", "6-12", "3-12", "K-12"], bands
    page.get_by_role("option", name="K-2", exact=True).click()
    sidebar.get_by_test_id("stSelectbox").filter(has_text="Topic").click()
    page.get_by_role("option", name="academic integrity").click()
    question = "How long do I have to meet with the student after I suspect AI use?"
    refusal = ask(page, question)
    assert "Filters: Grade band: K-2 · Topic: academic integrity" in refusal.inner_text()
    assert "don't cover this" in refusal.inner_text()
    shot(page, "02-filtered-refusal")
    [stored] = db.questions()
    assert stored.refused and stored.filtered and db.questions(refused=True, filtered=False) == []
    refusal.get_by_role("button", name="Search the whole hub").click()
    page.get_by_test_id("stChatMessage").nth(3).get_by_role("button", name="Ask again").wait_for()
    answer = page.get_by_test_id("stChatMessage").nth(3)
    assert "2 school days" in answer.inner_text() and "Filters:" not in answer.inner_text()
    shot(page, "03-whole-hub-answer")

    # Thumbs-down with a comment, found in the database.
    answer.get_by_label("Thumbs down").click()
    answer.get_by_label("Tell us more (optional)").fill("It should mention the letter to the family")
    answer.get_by_text("A cited source is wrong or out of date").click()
    answer.get_by_role("button", name="Send feedback").click()
    answer.get_by_text("a coach will read this").wait_for()
    [(feedback, rated)] = db.feedback()
    assert feedback.helpful is False and feedback.wrong_source is True and rated.question == question
    assert feedback.comment == "It should mention the letter to the family"

    # Copy the answer: its text and sources in a block with a copy button.
    answer.get_by_role("button", name="Copy").click()
    copied = page.get_by_test_id("stPopoverBody").get_by_test_id("stCode")
    assert "2 school days" in copied.inner_text() and "Sources:" in copied.inner_text()
    shot(page, "04-copy-answer")
    page.keyboard.press("Escape")

    # A reload keeps an anonymous teacher's conversation (this browser's session).
    page.reload()
    page.wait_for_function("document.querySelectorAll('[data-testid=stChatMessage]').length == 4")
    answer = page.get_by_test_id("stChatMessage").nth(3)
    # the four messages are drawn before what is in them (CI once read only the avatar's icon name)
    answer.get_by_text("2 school days").first.wait_for()

    # The Markdown citation opens its section, the quote on a highlighter background.
    card = answer.get_by_test_id("stExpander").filter(has_text="Handling Suspected AI Use").first
    card.click()
    href = card.locator("a", has_text="Open the document at this place").get_attribute("href")
    page.goto(f"{url}/{href.lstrip('/')}" if not href.startswith("http") else href)
    page.get_by_text("The cited place:").wait_for()
    marked = highlighted_texts(page)
    assert any("2 school days" in m or "school days" in m for m in marked), marked
    shot(page, "05-document-markdown-highlight")

    # A PDF citation opens the page itself, the cited sentences highlighted where they are printed.
    page.goto(url)
    page.get_by_role("button", name="New conversation").click()  # the anonymous chat is still there: start anew
    page.get_by_text("Try one of these").wait_for()
    pdf_answer = ask(page, "What does Board Policy 6175 say about approved tools?")
    card = pdf_answer.get_by_test_id("stExpander").filter(has_text="Model Board Policy 6175").first
    card.click()
    href = card.locator("a", has_text="Open the document at this place").get_attribute("href")
    assert "&page=" in href and "&q=" in href
    page.goto(f"{url}/{href.lstrip('/')}")
    page.get_by_test_id("stImage").wait_for()
    page.get_by_text("the cited sentences are highlighted").wait_for()
    assert highlighted_pixels(page, url) > 500
    shot(page, "06-document-pdf-page-highlight")
    page.get_by_role("button", name="Next page").click()
    page.get_by_text("the cited sentences are highlighted").wait_for(state="detached")
    assert highlighted_pixels(page, url) == 0  # another page: nothing cited there is marked


def test_coach_bookmark_reload_tag_editor_and_upload(
    app: tuple[str, Settings, Path], page: Any, browser: Any, tmp_path: Path
) -> None:
    url, settings, _ = app
    # A bookmarked protected page leads through sign-in and back to it.
    page.goto(f"{url}/corpus")
    page.get_by_text("This page is for coaches. Sign in to continue.").wait_for()
    shot(page, "07-bookmarked-corpus-sign-in")
    sign_in_here(page, "coach", "coach-password-1")
    page.get_by_role("heading", name="Add documents").wait_for()
    assert page.url.endswith("/corpus")
    cookie = session_cookie(page)
    assert cookie is not None and cookie["httpOnly"] and cookie["expires"] > datetime.now(UTC).timestamp() + 6 * 86400

    # A reload, and a new tab, stay signed in.
    page.reload()
    page.get_by_role("heading", name="Add documents").wait_for()
    assert page.get_by_role("link", name="Sign out").count() == 1
    shot(page, "08-coach-after-reload")
    other_tab = page.context.new_page()
    other_tab.goto(f"{url}/insights")
    other_tab.get_by_text("Documents by citations").wait_for()
    other_tab.close()

    # Upload two documents: they go to the uploads folder, and the page counts them at once.
    for name, text in (("recess rota.md", TAGGED), ("field trip buses.md", UNTAGGED)):
        (tmp_path / name).write_text(text)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        [str(tmp_path / "recess rota.md"), str(tmp_path / "field trip buses.md")]
    )
    page.get_by_text("field trip buses.md").first.wait_for()
    page.get_by_role("button", name="Add to the hub").click()
    page.get_by_text("The hub now has 36 documents.").wait_for()
    idle(page)  # under load the page may still be drawing its rerun (the old count beside the new one)
    assert page.get_by_text("36 documents,").count() == 1
    assert (settings.uploads_path / "recess rota.md").is_file() and not (REPO / "corpus" / "recess rota.md").exists()
    shot(page, "09-corpus-upload")

    # The tag editor follows the chosen document: A's tags, then B's own, and saving writes B's.
    expect = playwright.expect
    form = page.get_by_test_id("stForm").filter(has_text="Save tags")
    fields = {name: form.get_by_role("combobox", name=name) for name in ("Grade band", "Subject", "Topic", "Audience")}
    page.get_by_role("combobox", name="Document").click()
    page.keyboard.type("Recess Duty")  # the list is long: type to find
    page.get_by_role("option", name="Recess Duty Rota (uploads/recess rota.md)").click()
    expect(fields["Grade band"]).to_have_value("K-2")
    expect(fields["Audience"]).to_have_value("coach")
    page.get_by_role("combobox", name="Document").click()
    page.keyboard.type("Field Trip")
    page.get_by_role("option", name="Field Trip Buses (uploads/field trip buses.md)").click()
    for field in fields.values():  # B's own (empty) tags, not A's left over
        expect(field).to_have_value("(none)")
    fields["Grade band"].click()
    page.get_by_role("option", name="9-12", exact=True).click()
    form.get_by_role("button", name="Save tags").click()
    page.get_by_text("Saved the tags of Field Trip Buses.").wait_for()
    tags = (settings.uploads_path / ".hubqa-tags.yaml").read_text()
    assert tags == "field trip buses.md:\n  grade_band: 9-12\n", tags  # B's tags only: A's are untouched
    expect(fields["Grade band"]).to_have_value("9-12")
    shot(page, "10-tag-editor-saved")

    # The chat answers from the upload; signing out ends the session in every tab.
    page.get_by_role("link", name="Ask the hub").click()
    reply = ask(page, "How many days ahead must I book the field trip bus?")
    assert "15 school days" in reply.inner_text()
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").wait_for()
    page.goto(f"{url}/corpus")
    page.get_by_text("This page is for coaches. Sign in to continue.").wait_for()
    assert session_cookie(page, present=False) is None


def test_teacher_reloads_and_finds_the_conversation(app: tuple[str, Settings, Path], page: Any) -> None:
    url, settings, _ = app
    page.goto(f"{url}/account")
    sign_in_here(page, "tina", "tina-password-1")
    page.get_by_role("link", name="Ask the hub").click()
    ask(page, "What should I never paste into a chatbot?")
    unrelated = ask(page, "Who approves a new AI tool for my class?")
    assert "Searched for:" not in unrelated.inner_text()  # a new topic: not merged with the last question
    [saved] = open_database(settings).conversations("tina")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("button", name="What should I never paste into a chatbot?").wait_for()

    page.goto(url)  # a reload of the chat, or a new visit: the conversation is in the sidebar
    sidebar.get_by_role("button", name=saved.title).wait_for()
    shot(page, "11-teacher-conversations-sidebar")
    sidebar.get_by_role("button", name=saved.title).click()
    page.wait_for_function("document.querySelectorAll('[data-testid=stChatMessage]').length == 4")
    assert f"c={saved.id}" in page.url
    page.reload()  # the open conversation is in the URL: a reload shows it again
    page.wait_for_function("document.querySelectorAll('[data-testid=stChatMessage]').length == 4")
    sidebar.get_by_role("button", name="Rename or delete").wait_for()  # and the sidebar marks it as open
    shot(page, "12-teacher-conversation-reopened")

    # A follow-up that depends on the last question shows the question that was searched.
    ask(page, "What can 3rd graders do with chatbots?")
    follow_up = ask(page, "and what about high schoolers?")
    searched = follow_up.get_by_text("Searched for:")
    searched.wait_for()
    assert "high school" in searched.inner_text().lower() and "3rd" not in searched.inner_text()
    shot(page, "12b-follow-up-searched-for")

    # A question the hub does not cover: refused, its nearest documents each listed once, as links.
    refusal = ask(page, "How do I file my taxes as a teacher?")
    assert "don't cover this" in refusal.inner_text()
    nearest = refusal.locator("li a").all_inner_texts()
    assert nearest and len(nearest) == len(set(nearest)), refusal.inner_text()
    shot(page, "12c-refusal-nearest-documents")

    # Rename the open conversation, then delete it: the sidebar and the database follow.
    sidebar.get_by_role("button", name="Rename or delete").click()
    popover = page.get_by_test_id("stPopoverBody")
    popover.get_by_label("Title").fill("Chatbot rules")
    popover.get_by_role("button", name="Rename").click()
    sidebar.get_by_role("button", name="Chatbot rules").wait_for()
    assert [c.title for c in open_database(settings).conversations("tina")] == ["Chatbot rules"]
    shot(page, "12d-conversation-renamed")
    confirm = page.get_by_test_id("stPopoverBody").get_by_text("Yes, delete this conversation")
    if not confirm.is_visible():  # the popover stays open after a rename
        sidebar.get_by_role("button", name="Rename or delete").click()
    popover = page.get_by_test_id("stPopoverBody")
    popover.get_by_text("Yes, delete this conversation").click()
    popover.get_by_role("button", name="Delete").click()
    sidebar.get_by_text("Your questions and answers are saved here.").wait_for()
    assert open_database(settings).conversations("tina") == []
    shot(page, "12e-conversation-deleted")


def test_maintainer_dashboard_and_insights(app: tuple[str, Settings, Path], page: Any) -> None:
    url, settings, _ = app
    page.goto(f"{url}/dashboard")
    sign_in_here(page, "lead", "lead-password-1")
    page.get_by_role("heading", name="Settings").wait_for()  # the page's last element
    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.wait_for()
    assert chart.bounding_box()["height"] > 100
    assert_tables_fit(page)
    shot(page, "13-dashboard-first-run-chart")
    page.get_by_role("link", name="Insights").click()
    page.get_by_text("Never cited").wait_for()
    page.get_by_role("heading", name="Answers likely wrong").wait_for()
    # A thumbs-down answer (the first scenario's, when it ran) is among the answers to check first.
    rated_down = [q.question for _, q in open_database(settings).feedback(helpful=False)]
    suspects = page.get_by_test_id("stExpander").filter(has_text="thumbs-down")
    if rated_down:
        assert suspects.filter(has_text=rated_down[0]).count() >= 1
    else:
        assert suspects.count() == 0
    assert_tables_fit(page)
    shot(page, "14-insights")
    page.get_by_role("link", name="Corpus").click()
    page.get_by_role("heading", name="Add documents").wait_for()
    assert_tables_fit(page)
    shot(page, "15-corpus-table")


def assert_tables_fit(page: Any) -> None:
    """Every table on the page fits the window's width (none clipped at the right edge)."""
    idle(page)
    width = page.evaluate("() => document.documentElement.clientWidth")
    for table in page.get_by_test_id("stDataFrame").all():
        box = table.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (box, width)


# -- hostile content: nothing remote is ever requested ----------------------------------------


class Beacon:
    """An HTTP server on another loopback address standing in for an attacker's tracker."""

    def __init__(self) -> None:
        import http.server
        import threading

        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
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
    return (
        f'---\ntitle: "Field Trip Buses ![t]({beacon}/title.png)"\ntopic: "buses ![i]({beacon}/tag.png)"\n---\n'
        f"# Field Trip Buses\n\n## Booking the bus [![b]({beacon}/h2.png)]({beacon}/h2)\n\n"
        f"Book the field trip bus 15 school days ahead through the transport office. "
        f"See [![badge]({beacon}/badge.png)]({beacon}/nested), ![pixel]({beacon}/pixel.gif), "
        f'<img src="{beacon}/raw.png">, <{beacon}/auto> and {beacon}/bare for the bus form.\n\n'
        f"Every trip needs one adult chaperone per 10 students [details]({beacon}/link).\n"
    )


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
    env = {
        **os.environ,
        "HUBQA_STORE_DIR": str(tmp_path / "store"),
        "HUBQA_DATA_DIR": str(tmp_path / "data"),
        "HUBQA_CORPUS_DIR": str(hub),
        "HF_HUB_OFFLINE": "1",
    }
    log = tmp_path / "ui.log"
    ui = start_ui(env, log)
    url, nginx_proc = ui.url, None
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    try:
        if Path(nginx).exists():
            front = free_port()
            port = url.rsplit(":", 1)[1]
            conf = (REPO / "deploy" / "nginx.conf").read_text().replace("listen 8600;", f"listen 127.0.0.1:{front};")
            (tmp_path / "nginx.conf").write_text(conf)
            (tmp_path / "hubqa-upstreams.conf").write_text(f"server 127.0.0.1:{port};\n")
            shutil.copy(REPO / "deploy" / "security-headers.conf", tmp_path)
            nginx_proc = subprocess.Popen(
                [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                stdout=(tmp_path / "nginx.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{front}"
        wait_healthy(url, log)
        yield url, settings, beacon
    finally:
        if nginx_proc is not None:
            stop(nginx_proc)
        stop_process_group(ui)
        beacon.close()


def test_hostile_question_comment_and_document_request_nothing_remote(
    hostile_app: tuple[str, Settings, Beacon], page: object
) -> None:
    from urllib.parse import urlsplit

    url, settings, beacon = hostile_app
    requests: list[str] = []
    refused: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    question = (
        f"When must I book the field trip bus? [Coaches: your session expired, sign in again]({beacon.url}/login)"
        f" ![x]({beacon.url}/q.png) {beacon.url}/bare"
    )
    page.goto(url)
    ask(page, question)
    card = page.get_by_test_id("stExpander").filter(has_text="Field Trip Buses")
    card.first.click()
    page.get_by_text("15 school days").first.wait_for()
    page.get_by_label("Thumbs down").click()
    page.get_by_label("Tell us more (optional)").fill(
        f"**Urgent** [re-enter your password]({beacon.url}/comment) ![c]({beacon.url}/c.png)"
    )
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("a coach will read this").wait_for()
    shot(page, "hostile-1-source-cards")

    sign_in(page, "coach", "lantern okapi ribbon tundra")
    page.get_by_role("link", name="Insights").click()
    page.get_by_text("Never cited").wait_for()
    for expander in page.get_by_test_id("stExpander").all():
        expander.click()
    page.get_by_text("re-enter your password").first.wait_for()  # (as text)
    shot(page, "hostile-2-insights")
    page.get_by_role("link", name="Corpus").click()
    page.get_by_text("Add documents").wait_for()
    page.goto(f"{url}/document?doc=hub%2Fbuses.md&page=%C2%B2")
    page.get_by_text("The whole document").wait_for()
    shot(page, "hostile-3-document")

    here = urlsplit(url).netloc
    outside = [r for r in requests if urlsplit(r).netloc != here and not r.startswith(("data:", "blob:"))]
    assert outside == [] and beacon.hits == []
    assert page.locator("img[src*='127.0.0.2'], a[href*='127.0.0.2']").count() == 0
    assert refused == []  # the app itself runs under the deployment's Content-Security-Policy
    [(feedback, stored)] = open_database(settings).feedback()
    assert "Coaches: your session expired" in stored.question and "re-enter your password" in feedback.comment


def test_rapid_questions_from_several_tabs_are_all_stored(app_url: tuple[str, Settings], page: object) -> None:
    """Four tabs, five questions each, each sent the moment its box accepts one: all 20 stored.

    A tab sends its next question once the last one shows in its conversation, as a person sees
    theirs taken: two sent from one tab before the server starts on the first reach Streamlit as
    one request and it keeps the later (docs/app.md); the app's own queue is test_app's."""
    url, settings = app_url
    browser = page.context.browser
    tabs = [page] + [browser.new_page(viewport={"width": 1300, "height": 1000}) for _ in range(3)]
    for tab in tabs:
        tab.set_default_timeout(WAIT_MS)
        tab.goto(url)
        tab.get_by_text("Try one of these").wait_for()
    questions = [
        "What should I never paste into a chatbot?",
        "Who approves a new AI tool for my class?",
        "What can 3rd graders do with chatbots?",
        "How do I cite AI use?",
        "What is the AI use level for a essay draft?",
    ]
    sent: dict[int, str] = {}

    def wait_shown(i: int) -> None:
        if i in sent:
            tabs[i].get_by_test_id("stChatMessage").filter(has_text=sent[i]).first.wait_for()

    for n, question in enumerate(questions):
        for i, tab in enumerate(tabs):
            wait_shown(i)
            box = tab.get_by_test_id("stChatInputTextArea")
            text = sent[i] = f"{question} (tab {i}, round {n})"
            box.fill(text)  # waits until the box is enabled again
            box.press("Enter")
            # an Enter that lands while a rerun disables the box leaves the text in it, as a teacher
            # would see: they press Enter again (a question the app accepted and lost still fails)
            # (a rerun under load can keep the box disabled for many seconds: keep trying for a minute)
            for _ in range(120):
                if box.input_value() != text:
                    break
                time.sleep(0.5)
                if box.is_enabled() and box.input_value() == text:
                    box.press("Enter")
            assert box.input_value() != text, f"the app never accepted {text!r}"
    for i in sent:
        wait_shown(i)
    db = open_database(settings)
    deadline = time.time() + 300
    while len(db.questions()) < 20 and time.time() < deadline:
        time.sleep(1)
    for tab in tabs[1:]:
        tab.context.close()
    stored = sorted(q.question for q in db.questions())
    assert len(stored) == 20, stored
    assert len(set(stored)) == 20


def test_student_data_never_reaches_transcript_database_or_next_question(
    app_url: tuple[str, Settings], page: object
) -> None:
    """Issue 17: the name, ID and diagnosis are removed; the teacher sees what and why before the answer."""
    url, settings = app_url
    db = open_database(settings)
    page.goto(url)
    page.get_by_text("Try one of these").wait_for()
    ask(
        page,
        "Jayden Morales, student ID 4417823, in my 7th grade class has an IEP for ADHD and I think he used "
        "ChatGPT on his lab report. What do I do?",
    )
    page.get_by_text("Removed before your question was used").wait_for()
    page.get_by_label("Thumbs down").wait_for()  # (the answer is finished)
    messages = page.get_by_test_id("stChatMessage")
    asked = messages.nth(0).inner_text()
    assert "[STUDENT]" in asked and "Jayden Morales" in asked  # the notice: what was removed, and why
    shot(page, "9-privacy-removed")
    ask(page, "What should I say to the family?")
    page.get_by_label("Thumbs down").nth(1).wait_for()
    shot(page, "10-privacy-next-question")
    transcript = " ".join(messages.nth(i).inner_text() for i in range(messages.count()))
    assert [s for s in ("Jayden", "Morales", "4417823", "ADHD") if s in transcript] == [], transcript
    stored = db.questions()
    assert len(stored) == 2
    for row in stored:
        held = f"{row.question} {row.standalone}"
        assert [s for s in ("Jayden", "Morales", "4417823", "ADHD", "IEP") if s in held] == [], held
