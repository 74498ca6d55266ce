"""The extractive answer's shape on the bundled corpus: it answers the question asked, in the form
the question wants (steps, a definition, a rule, a list), and never passes illustrations off as advice."""

from __future__ import annotations

import re

import pytest

from rag.answering.assistant import Assistant
from rag.answering.question import analyse, compared_terms, normalise
from rag.settings import Settings
from rag.text import entry_names


@pytest.fixture(scope="module")
def assistant(corpus_settings: Settings) -> Assistant:
    return Assistant(corpus_settings)


def test_a_procedure_is_answered_with_the_guides_steps_in_their_own_shape(assistant: Assistant) -> None:
    answer = assistant.ask("A student turned in an essay I think ChatGPT wrote. What should I do?")
    assert not answer.refused
    rows = [s for s in answer.sentences if s.style == "row"]
    assert [r.cells[0] for r in rows] == [
        "1. Pause and do not accuse",
        "2. Gather process evidence",
        "3. Hold a learning conversation",
        "4. Decide with evidence",
        "5. Document and follow policy",
    ]
    assert "| Step | What you do | Key number or rule |" in answer.answer  # a table stays a table
    assert "Every teacher who assigns writing" not in answer.answer  # the introduction answers nothing
    assert answer.citations[0].hit.metadata["section"] == "The five steps at a glance"


def test_a_procedure_written_as_step_headings_is_shown_whole_not_a_list_inside_one_step(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(
        "how do i get ai to make like 3 versions of a reading for diff reading levels w/o it messing up the content"
    )
    steps = [s.text for s in answer.sentences if s.style == "number"]
    assert [t.split(".")[0] for t in steps] == [
        "Start from a Text You Trust",
        "Prompt for Three Versions with RTCF",
        "Check Each Version for Accuracy",
        "Iterate",
        "Assign Flexibly",
    ], answer.answer
    assert answer.citations[0].hit.doc_id == "corpus/differentiating-instruction-with-ai.md"


def test_a_step_that_ends_by_asking_is_still_a_step(assistant: Assistant) -> None:
    answer = assistant.ask("how shoud my 7th graders double check an ai's answer to a math problem")
    steps = [s.text.split(".")[0] for s in answer.sentences if s.style == "number"]
    assert steps == ["Estimate", "Substitute", "Recompute", "Explain"], answer.answer  # "...Does it work?"


def test_a_part_asking_for_a_figure_gets_the_sentence_that_states_it(assistant: Assistant) -> None:
    # the first part's words are all in the guide's introduction, which gives no length
    answer = assistant.ask(
        "how long are the ai literacy lessons for middle school supposed to be and do kids get logins?"
    )
    assert not answer.refused
    assert "45 minutes" in answer.answer, answer.answer


def test_a_numbered_list_is_shown_whole_not_its_two_best_items(assistant: Assistant) -> None:
    answer = assistant.ask(
        "I want to break a four-week research essay into checkpoints so I can actually see the kids' process. "
        "What checkpoints would you suggest?"
    )
    assert [s.number for s in answer.sentences if s.style == "number"] == [1, 2, 3, 4, 5], answer.answer


def test_a_definition_comes_first_and_short(assistant: Assistant) -> None:
    answer = assistant.ask("whats a hallucination")
    assert answer.sentences[0].text.startswith("A confident but false output")
    assert len(answer.sentences) <= 3
    assert answer.citations[0].hit.metadata["section"].endswith("Hallucination")


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        (
            "ok dumb question but whats the actual diff between level 1 and level 2 on an essay",
            [
                ("Level 1 — AI for Ideas", "AI may be used to brainstorm"),
                ("Level 2 — AI with Disclosure", "AI may help"),
            ],
        ),
        ("FERPA vs COPPA?", [("FERPA (Family", "A 1974 federal law"), ("COPPA", "The Children's Online Privacy")]),
    ],
)
def test_a_comparison_of_two_named_things_sets_their_definitions_side_by_side(
    assistant: Assistant, question: str, rows: list[tuple[str, str]]
) -> None:
    # the ELA guide's table of recommended levels mentions both levels and answered before: it defines neither
    answer = assistant.ask(question)
    shown = [(s.cells[0], s.cells[1]) for s in answer.sentences if s.style == "row" and s.cells]
    assert len(shown) == 2 and len(answer.sentences) == 2, answer.answer
    for (term, start), (cell, text) in zip(rows, shown, strict=True):
        assert cell.startswith(term) and text.startswith(start), answer.answer
    assert "| Term | Definition |" in answer.answer


def test_a_comparison_is_not_read_as_a_multi_part_question(assistant: Assistant) -> None:
    # its two sides are parts of one question: the table comparing them answers it, not the list
    # of the first side's fields
    answer = assistant.ask("whats the diff between a disclosure statement and a reflection")
    assert "About 150 words" in answer.answer and "Disclosure statement" in answer.answer, answer.answer


def test_compared_terms_and_the_entries_a_heading_names() -> None:
    assert compared_terms("whats the difference between level 1 and 2 on an essay") == ("level 1", "level 2")
    assert compared_terms("compare Level 0 with Level 3") == ("Level 0", "Level 3")
    assert compared_terms("is ai feedback better than mine?") is None  # nothing named twice
    assert entry_names("Section 3 > Level 1 — AI for Ideas") == ["level 1", "ai for ideas"]
    assert entry_names("FAQ > Can I use it?") == []


def test_an_acronym_is_expanded(assistant: Assistant) -> None:
    answer = assistant.ask("what does FERPA stand for")
    opening = answer.answer.split("[1]")[0]  # the entry's heading, or its first sentence
    assert "Family Educational Rights and Privacy Act" in opening, answer.answer


def test_a_yes_no_question_opens_with_the_rule_that_decides_it(assistant: Assistant) -> None:
    answer = assistant.ask("Can my 4th graders use ChatGPT?")
    first = answer.sentences[0].text
    assert "3-5" in first and "accounts" in first, answer.answer
    assert "?" not in answer.answer.split("\n\n")[0]  # an FAQ's question is not part of the answer


def test_a_bare_yes_is_the_verdict_only_for_the_question_it_answers(assistant: Assistant) -> None:
    # the FAQ "Can I suggest an AI tool at an IEP meeting?" answers "Yes."; adding a tool to the plan
    # oneself is another question, and its "Yes." must not read as permission
    other = assistant.ask("is it ok for me to put an ai tool into a kid's IEP on my own?")
    assert not other.refused and not re.search(r"\bYes\b", other.answer)
    same = assistant.ask("can i suggest an ai tool at my student's iep meeting")
    assert same.answer.startswith("**Yes.**")
    assert "share what you have seen" in same.answer


def test_a_list_the_question_names_is_shown_whole(assistant: Assistant) -> None:
    answer = assistant.ask("What ground rules should I set for using AI with primary sources in US History?")
    numbered = [line for line in answer.answer.splitlines() if re.match(r"\d\. ", line)]
    assert len(numbered) == 5, answer.answer
    assert numbered[0].startswith("1. The source is the evidence")


def test_illustrations_are_not_given_as_advice_unless_asked_for(assistant: Assistant) -> None:
    advice = assistant.ask(
        "A 9th grade teacher assigned a Level 2 essay revision with AI feedback due tomorrow "
        "morning, and two kids say they don't have internet at home. What should I tell her?"
    )
    assert "two-day window" in advice.answer and "Two students say" not in advice.answer, advice.answer
    for answer in (advice, assistant.ask("I suspect a student used AI to write an essay. What should I do?")):
        assert not re.search(r"\[(?:[A-Z][\w ]+|name|student)\]", answer.answer)  # no [Name] placeholders
    script = assistant.ask("When I sit down with the student, what exactly should I say to open the conversation?")
    assert script.citations[0].hit.doc_id.endswith("handling-suspected-ai-use-in-essays.md"), script.answer
    # asked for words to say: the script itself, labelled as the hub's script, not a sentence about it
    assert re.search(r"[\"\u201c]I'd like to hear how you put this essay together", script.answer), script.answer
    assert re.match(r"(?i)^(?:from .*script|[-\s]*[\"\u201c])", script.answer), script.answer


def test_asked_for_an_email_to_families_the_hubs_sample_letter_is_given_labelled(assistant: Assistant) -> None:
    # the parent's own opt-out note quoted in the families' FAQ is a sample too, but not of this
    answer = assistant.ask(
        "can u write me a short email to parents saying well be using ai this year and that they can opt out"
    )
    assert answer.answer.startswith("From") and "Sample Letter to Families" in answer.answer.splitlines()[0]
    assert "Dear families" in answer.answer and "Please opt my child" not in answer.answer, answer.answer
    # shown as the hub wrote it: one block quote in its paragraphs, cited once at its end
    quoted = [line for line in answer.answer.splitlines() if line.startswith(">")]
    assert len([line for line in quoted if line.strip() == ">"]) >= 2, answer.answer
    assert sum(line.count("[1]") for line in quoted) == 1, answer.answer
    # the hub's instructions for using it ("Adapt this...") are advice to the teacher, not part of the letter
    assert not any("Adapt this" in line for line in quoted), answer.answer


def test_a_script_asked_for_beside_the_question_is_given(assistant: Assistant) -> None:
    # "need a script pls" after the question: the words to say are wanted, not advice about them
    answer = assistant.ask("how should i explain ai detectors to my class? need a script pls")
    assert "I don't use AI detectors to grade you" in answer.answer, answer.answer


def test_a_table_inside_a_sample_stays_a_table_in_the_quote(assistant: Assistant) -> None:
    # the 6-8 lesson script's scenario cards are a table: one row per card, not "a; b; c" run together
    answer = assistant.ask("how do i explain the ai levels to my 7th graders, any script i can use")
    quoted = [line for line in answer.answer.splitlines() if line.startswith(">")]
    assert "> | Scenario | Assignment level | Allowed? |" in quoted, answer.answer
    assert not any("Scenario: " in line for line in quoted), answer.answer


def test_asked_for_the_full_list_the_whole_table_is_shown(assistant: Assistant) -> None:
    answer = assistant.ask("what student info am i not allowed to put in a chatbot? give me the full list")
    rows = [s for s in answer.sentences if s.style == "row"]
    assert len(rows) == 8 and rows[-1].cells[0] == "Passwords", answer.answer
    assert not answer.sentences[-1].text.lower().startswith("give")


def test_each_part_of_a_multi_part_question_is_answered(assistant: Assistant) -> None:
    answer = assistant.ask("whos on the ai advisory committee and how often do they meet?")
    text = answer.answer.lower()
    assert "quarterly" in text and ("student" in text or "parent" in text), answer.answer
    assert text.count("quarterly") == 1, answer.answer  # said once, not once per part
    assert "below" not in text, answer.answer  # "set out in their own section below" answers nothing
    # the list the first part asks for is the one shown, and the second part still gets its row
    both = assistant.ask(
        "whats the four checks routine for ai math stuff, and what level should daily hw be for 9th grade"
    )
    for step in ("Estimate", "Substitute", "Recompute", "Explain", "Daily practice homework"):
        assert step in both.answer, both.answer


def test_a_part_answered_by_an_faq_gets_that_answer(assistant: Assistant) -> None:
    # "At Level 2, yes, with disclosure" shares no word with the part; its FAQ question does
    answer = assistant.ask(
        "whats the three step citation check for science, and can my kids use ai to write the intro of their lab report"
    )
    assert "Match it" in answer.answer and "At Level 2, yes" in answer.answer, answer.answer


def test_words_to_use_after_a_label_are_a_script_not_advice(assistant: Assistant) -> None:
    # 'Print this on your syllabus: "Translation apps count as AI.' is the wording to print, not a rule
    answer = assistant.ask(
        "Do TI-84s and Desmos count as AI under the levels? What about those snap-a-photo solver apps?"
    )
    assert "Photo-solving apps" in answer.answer and "Print this on your syllabus" not in answer.answer, answer.answer


def test_a_table_row_labelled_by_its_header_is_not_a_script(assistant: Assistant) -> None:
    # 'Question: "Is this tool approved in my district?"; Ask: AI Lead Teacher' is a table row, not a quotation
    answer = assistant.ask(
        "My course progress just vanished. Who do I contact about that, and who do I ask if I want to know "
        "whether a tool is approved in my district?"
    )
    assert "Help desk" in answer.answer and "AI Lead Teacher" in answer.answer, answer.answer


def test_a_list_read_from_two_overlapping_chunks_is_shown_whole(assistant: Assistant) -> None:
    answer = assistant.ask(
        "ok so one of my 9th graders turned in an essay that def sounds like chatgpt wrote it. "
        "what are the steps im supposed to follow before i do anything"
    )
    assert "Pause and do not accuse" in answer.answer and "Document and follow policy" in answer.answer, answer.answer


def test_a_list_introduced_at_a_passages_end_is_followed_into_the_next_chunk(assistant: Assistant) -> None:
    answer = assistant.ask("whats the four checks routine for ai math stuff")
    assert not answer.answer.rstrip().endswith(":") and "4. Explain" in answer.answer, answer.answer


def test_a_list_of_uses_is_not_answered_with_the_list_of_harms(assistant: Assistant) -> None:
    answer = assistant.ask("what can my ela kids actually use ai for without it doing the thinking for them")
    assert "Brainstorming angles" in answer.answer and "Outsourced drafting" not in answer.answer, answer.answer
    risks = assistant.ask("what are the risks of ai in ela class")
    assert "Outsourced drafting" in risks.answer, risks.answer


def test_a_follow_up_about_another_grade_band_gets_that_bands_line(assistant: Assistant) -> None:
    # the policy's table of grade bands reads as one run-on sentence in its PDF: each band is its
    # own line, and the 3-5 rows answer a 3rd-grade question, not a 7th-grade one
    answer = assistant.ask(
        "ok and if theyre in 7th grade?", history=["can my 3rd graders have their own chatbot accounts"]
    )
    assert "6-8" in answer.answer and "Levels 0-2" in answer.answer, answer.answer
    assert not re.search(r"^\|\s*3-5", answer.answer, re.MULTILINE), answer.answer


def test_a_verdict_answering_another_faq_question_is_left_out(assistant: Assistant) -> None:
    answer = assistant.ask("for the practitioner portfolio what score do i need to pass and who actually scores it")
    assert "3 or higher" in answer.answer and not re.search(r"(?:^|\] )No\. ", answer.answer), answer.answer
    assert "(unverified)" not in answer.answer, answer.answer


def test_an_ai_product_the_hub_does_not_name_is_read_as_the_kind_of_tool_it_is(assistant: Assistant) -> None:
    # the hub writes "chatbot", never "Gemini": the rule on chatbot accounts answers
    answer = assistant.ask("can i let my 4th graders set up their own gemini accounts if i supervise them")
    assert not answer.refused and "No student accounts on general chatbots" in answer.answer, answer.answer
    # but a fact about the product itself is not in the hub
    assert assistant.ask("how much is a khanmigo license per student").refused


def test_a_misspelt_adverb_is_not_a_topic_the_hub_lacks(assistant: Assistant) -> None:
    answer = assistant.ask("i accidently put my class roster with test scores into chatgpt on my own account. now what")
    assert not answer.refused and "24 hours" in answer.answer, answer.answer


def test_a_row_under_not_allowed_answers_no_and_no_reply_to_another_question_is_quoted(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(
        "is it fine if i let an ai tool grade my essays and post the scores straight into the gradebook? "
        "would save me hours"
    )
    assert answer.answer.startswith("**No.**") and "auto-grader" in answer.answer, answer.answer
    assert "If the answer is" not in answer.answer, answer.answer  # a reply to a question the guide asked


def test_a_quotation_the_answer_opens_with_is_given_whole_before_anything_else(assistant: Assistant) -> None:
    answer = assistant.ask("need some wording for my french syllabus on translation apps. got anything?")
    assert re.search(r"Translation apps count as AI\. \[\d\] If an assignment is Level 0", answer.answer), answer.answer


def test_alternatives_written_as_numbered_headings_are_listed_as_the_options(assistant: Assistant) -> None:
    # the PDF's six "Design move N: ..." sections, and the guide's "Workflow A-D" sections
    moves = assistant.ask("what r some ways to design assignments so i can see if students used ai")
    assert all(m in moves.answer for m in ("Process writing", "Writing conferences", "Oral defence")), moves.answer
    flows = assistant.ask("any options for using ai to write feedback while keeping the teacher in the loop")
    assert "Curated Comment Bank" in flows.answer and "Whole-Class Trends" in flows.answer, flows.answer


def test_how_fast_asks_for_a_time_and_gets_its_own_answer_in_a_multi_part_question(assistant: Assistant) -> None:
    answer = assistant.ask("who keeps the list of approved tools, and how fast do i have to report a student data leak")
    assert "Data Privacy Officer" in answer.answer and "24 hours" in answer.answer, answer.answer


def test_a_grade_in_the_story_does_not_make_that_grades_lesson_the_procedure(assistant: Assistant) -> None:
    # "one of my 10th graders" points at the grades 9-12 lessons, whose disclosure-writing steps are
    # not what to do about a suspect essay
    answer = assistant.ask(
        "so a 10th grader handed in an essay that def reads like chatgpt wrote it. what am i supposed to do now"
    )
    assert "Pause and do not accuse" in answer.answer and "Tool name and version" not in answer.answer, answer.answer


def test_a_menu_in_the_subsection_under_the_found_one_is_the_list_asked_for(assistant: Assistant) -> None:
    # "Ask the tool for any of these" opens the section the search finds; the menu is the table in
    # its subsection, which the search does not rank (its words are the scaffolds', not the question's)
    answer = assistant.ask(
        "i already leveled the article into 3 versions, what other scaffolds can the ai make for my kids"
    )
    assert "Sentence frames" in answer.answer and "Graphic organizer" in answer.answer, answer.answer


def test_an_faq_asking_the_same_in_other_words_gives_its_verdict(assistant: Assistant) -> None:
    # "Can sixth graders do Level 3 work?" answers "No. ..."; asked about "full ai use projects" by a
    # teacher of gifted 6th graders, the verdict still answers the teacher
    answer = assistant.ask("we have a couple of gifted 6th graders, can they do full ai use (level 3) work?")
    assert answer.answer.startswith("No."), answer.answer
    assert "Level 3 is for grades 9-12" in answer.answer


def test_a_figure_from_another_passage_that_says_none_of_the_question_is_left_out(assistant: Assistant) -> None:
    answer = assistant.ask("how long does the school have to confirm a parents opt out? does it expire")
    assert "5 school days" in answer.answer and "two minutes" not in answer.answer, answer.answer


def test_slang_and_stretched_words_neither_refuse_nor_read_as_names(assistant: Assistant) -> None:
    answer = assistant.ask(
        "how do i open the convo w a student when their essay seems sus?? exact words pls, im sooo nervous"
    )
    assert not answer.refused and "Walk me through your process" in answer.answer, answer.answer
    assert not answer.redacted  # "sooo" is tone, not a student's name


def test_a_pdf_tables_row_is_quoted_with_its_columns(assistant: Assistant) -> None:
    # the PDF's tiers table is read from its layout: the CEUs stay in their column, not run together
    answer = assistant.ask("how many CEUs do you get for the AI coach credential")
    assert "| Leader |" in answer.answer and "| 3.05 |" in answer.answer, answer.answer
    assert "Tier Requirements Course contact hours" not in answer.answer


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("whats the proccess for making 3 reading levels of an article w ai?", "steps"),
        ("what does FERPA stand for", "definition"),
        ("whats a hallucination", "definition"),
        ("what cant i paste into a chatbot? need the whole list pls", "options"),
        ("can i paste my students grades into chatgpt lol", "yesno"),
        ("how long is the prompting course", "fact"),
        ("what are some ideas for using ai with ELLs", "options"),
        ("difference between level 1 and level 2", "comparison"),
        ("what should i say to the parent who complained", "script"),
        ("Is it a good idea to use a chatbot?", "yesno"),
        # openers that ask nothing, a story before the question, a subject of several words
        ("ok but can i at least put a zero in til i figure it out", "yesno"),
        ("ok dumb question but whats the actual diff between level 1 and level 2", "comparison"),
        ("pretty sure a kid had chatgpt write his essay. what am i supposed to do now", "steps"),
        ("how shoud my 7th graders double check an ai's answer to a math problem", "steps"),
        ("whats rtcf lol everyone at my school keeps saying it", "definition"),
        ("when i use ai to translate, what does it get wrong", "general"),
        # a yes/no after a clause that sets the scene; what is allowed or available is a list
        ("if i read the essays first can i let the ai do the actual grading", "yesno"),
        ("since im his teacher can i just add it to the plan", "yesno"),
        ("what can my ela kids actually use ai for without it doing the thinking", "options"),
        ("ok so what evidence CAN i actually use then", "options"),
        ("whats the four checks routine for ai math stuff", "options"),
        ("what can i do if a student cheats", "steps"),
        # a named set asks for its members; without "the" it asks what they are
        ("what are the 5 steps", "steps"),
        ("what are the phases of the coaching cycle", "steps"),
        ("what r the disclosure fields", "options"),
        ("what are hallucinations", "definition"),
        ("what are all the things i should never put into chatgpt", "options"),
        ("pasted my roster into chatgpt by mistake. now what", "steps"),
        # a request for words to send is a script; whether to send a letter is a yes/no
        ("can u give me a letter i can send home to parents about ai in my class", "script"),
        ("need some wording for my syllabus about translation apps. got anything", "script"),
        ("do i need to send a letter to parents first", "yesno"),
        # a story before the asking clause sets the scene: "sounds like him" asks for no script, and
        # a run-on's question is read from its question word or inverted verb
        ("one of my 9th graders turned in an essay that doesnt sound like her at all. what do i do now", "steps"),
        ("so a kid turned in something way too polished, what do i actually do", "steps"),
        ("what are red flags to watch for when a vendor says its tool is accessible", "options"),
        ("i already made a leveled version of the text, what other supports can it make", "options"),
        ("i have a few advanced 7th graders, can they use level 3", "yesno"),
    ],
)
def test_the_kind_of_answer_wanted_is_read_through_typos_and_slang(typed: str, kind: str) -> None:
    assert analyse(typed).kind == kind


def test_a_clause_opened_by_when_asks_no_date() -> None:
    assert analyse("when i use ai to translate stuff what does it usually get right").expects == ""
    assert analyse("whens the deadline for the training").expects == "date"


def test_chat_spellings_are_written_out_and_names_of_teachers_kept() -> None:
    assert normalise("whats the deal w AI detectors, r they legit?") == (
        "what is the deal with AI detectors, are they reliable?"
    )
    assert normalise("when's the deadline? dont know") == "when is the deadline? do not know"
    assert normalise("Ms. Lee asked about student ID rules") == "Ms. Lee asked about student ID rules"
    parts = analyse("How long is the prompting course and who teaches it?").parts
    assert [p.kind for p in parts] == ["fact", "fact"] and "prompt" in parts[1].context


def test_a_passage_that_opens_inside_a_table_gets_the_tables_header_back(assistant: Assistant) -> None:
    # a table longer than a chunk goes on in the next one without its header; the passage's context
    # takes the header row back from the chunk that has it, so its rows keep their columns' names
    view = assistant.retriever.view()
    opened_inside = []
    for doc_id in {h.doc_id for h in view.chunks(list(view.index.ids)).values()}:
        ids = view.document_chunk_ids(doc_id)
        found = view.chunks(ids)
        for i in ids:
            lines = [line for line in found[i].text.splitlines() if line.strip()]
            if lines[0].startswith("|") and not any(re.match(r"\|?\s*-{3,}", line) for line in lines[:2]):
                opened_inside.append(found[i])
    assert opened_inside  # the bundled corpus has tables longer than a chunk
    assistant.retriever.attach_context(opened_inside, view)
    for hit in opened_inside:
        row = hit.text.lstrip().splitlines()[0]
        before = hit.context[: hit.context.index(row)].splitlines()
        assert any(re.match(r"\|?\s*-{3,}", line) for line in before), hit.context[:300]


def test_a_follow_up_about_another_part_gets_that_parts_level_and_no_before_version(assistant: Assistant) -> None:
    # "the data collection part" leans on the lab report asked about first; "and the conclusion
    # part?" swaps the part; the worked example's "Before" (a design not to follow) is no answer
    history = ["what level is a 7th grade lab report", "is the data collection part allowed to use ai"]
    answer = assistant.ask("and the conclusion part?", history=history)
    assert "lab report" in answer.standalone_question and "conclusion part" in answer.standalone_question
    assert "| Level 1 |" in answer.answer, answer.answer
    assert "variables the class never tested" not in answer.answer  # the "Before" version's failure


def test_a_sentence_about_other_grade_bands_does_not_answer_for_this_one(assistant: Assistant) -> None:
    # "in grades 6-8 ...; Level 3 work is for grades 9-12" names two bands, neither the 3-5 asked about
    answer = assistant.ask("can my 3rd graders log in to a chatbot if i sit right next to them the whole time")
    assert "no student accounts on general chatbots" in answer.answer.lower(), answer.answer
    assert "grades 6-8" not in answer.answer, answer.answer


def test_ideas_for_using_ai_are_not_answered_with_its_risks(assistant: Assistant) -> None:
    answer = assistant.ask("got any ideas for using ai in my social studies class?")
    assert "Fabricated quotations" not in answer.answer, answer.answer
    assert "debate" in answer.answer or "Sourcing questions" in answer.answer, answer.answer


def test_a_table_headed_examples_of_a_kind_is_advice_not_an_illustration(assistant: Assistant) -> None:
    # "Examples of AI supports" lists the kinds of support, each one advice; it is not a scene
    answer = assistant.ask(
        "which ai supports like text-to-speech or chunking tasks can help students with disabilities"
    )
    assert "| Chunking tasks |" in answer.answer, answer.answer


def test_an_faq_answer_reads_in_its_own_order_and_esl_finds_the_multilingual_guide(assistant: Assistant) -> None:
    # "ESL" is what one school calls the students the hub calls multilingual learners; the FAQ's
    # answer opens with its verdict, so it is shown in its own order
    answer = assistant.ask("can my esl students use ai translation in class")
    assert answer.answer.startswith("If the assignment level allows it and the tool is approved, yes"), answer.answer
    assert answer.citations[0].hit.doc_id == "corpus/ai-for-multilingual-learners.md"


def test_a_question_split_at_commas_answers_each_part_in_the_order_asked(assistant: Assistant) -> None:
    answer = assistant.ask(
        "whats RTCF stand for, how many times am i supposed to iterate, and can i paste my districts "
        "curriculum map into the prompt"
    )
    assert not answer.refused, answer.answer
    text = answer.answer
    spots = [text.find(s) for s in ("Role, Task, Context", "iterate at least once", "Curriculum documents contain")]
    assert -1 not in spots and spots == sorted(spots), text


def test_the_scene_of_a_bold_faq_question_is_never_stated_as_advice(assistant: Assistant) -> None:
    # "**A student's data looks too perfect. What do I do?**" is a question over two sentences
    answer = assistant.ask(
        "2 science questions: can my kids use ai to write the intro of their lab report? and what do i do "
        "when a kid cites a journal article that doesnt exist"
    )
    assert "At Level 2, yes, with disclosure" in answer.answer, answer.answer
    assert "data looks too perfect" not in answer.answer, answer.answer


def test_a_sample_letter_is_shown_whole_with_its_instructions_before_it(assistant: Assistant) -> None:
    answer = assistant.ask("do u have a sample letter i can send home to families at the start of the year")
    quoted = " ".join(s.text for s in answer.sentences if s.style == "quote")
    assert "opting out never lowers a grade" in quoted and "Warmly" in quoted, answer.answer
    assert not any(s.text.startswith("Adapt this") for s in answer.sentences if s.style == "quote")


def test_a_question_for_kinds_of_a_thing_gets_the_hubs_examples_of_it(assistant: Assistant) -> None:
    answer = assistant.ask(
        "what kinds of ai supports are there for kids with ieps or 504s? just want a list of options to bring "
        "to the case manager"
    )
    cells = [s.cells[0] for s in answer.sentences if s.style == "row" and s.cells]
    assert "Text-to-speech" in cells and "Speech-to-text" in cells, answer.answer


def test_a_procedure_in_step_headings_answers_even_when_one_step_matches_the_story(assistant: Assistant) -> None:
    # the "Blocker" item of step 1 repeats the teacher's story; the steps are what to do next
    answer = assistant.ask(
        "im the coach and i did the keyboard test on an ai tool we're piloting and u literally cant reach the "
        "send button without a mouse. what am i supposed to do next"
    )
    steps = [s.text.split(".")[0] for s in answer.sentences if s.style == "number"]
    assert steps == [
        "Sort the failure by severity",
        "Report it through the right channels",
        "Protect students in the meantime",
        "Re-test",
    ], answer.answer
    assert "Digital Learning Request" in answer.answer  # a step that is all list gives its first line


def test_a_follow_up_reads_on_in_the_documents_that_answered_before(assistant: Assistant) -> None:
    first = "do ai detectors actually work? my school wants us to start using one on all essays"
    answer = assistant.ask(
        "ok so what do i tell my principal then, she really wants the whole dept using it", history=[first]
    )
    assert answer.citations and answer.citations[0].hit.doc_id == "corpus/why-ai-detectors-are-unreliable.md"
    assert "Board Policy 6175" in answer.answer, answer.answer
    # the same words with no conversation before them are not read as a follow-up
    alone = assistant.ask("ok so what do i tell my principal then, she really wants the whole dept using it")
    assert "Board Policy 6175" not in alone.answer


@pytest.mark.parametrize(
    ("typed", "kind", "text"),
    [
        ("whats RTCF stand for", "definition", "what does RTCF stand for"),
        ("whats the process", "steps", "what is the process"),
        (
            "2 science questions: can my kids use ai for the intro",
            "yesno",
            "science: can my students use ai for the introduction",
        ),
        ("couple q's about grading - can ai grade essays", "yesno", "grading: can ai grade essays"),
        ("what questions should i ask a vendor", "options", "what questions should I ask a vendor"),
    ],
)
def test_prefaces_and_chat_forms_of_asking_are_read_as_meant(typed: str, kind: str, text: str) -> None:
    intent = analyse(typed)
    assert (intent.kind, normalise(typed)) == (kind, text)


def test_parts_are_split_at_a_comma_before_a_new_question_but_not_after_a_condition() -> None:
    from rag.answering.question import split_parts

    assert len(split_parts("what tools are approved, and who approves them")) == 2
    assert len(split_parts("if a kid uses AI, what do I do")) == 1
    assert len(split_parts("when I grade, what rubric should I use")) == 1
    assert len(split_parts("can ai grade my essays? and should I tell students")) == 2
    # a part with one topic word of its own is about what the part before it named
    parts = analyse("how long is a coaching cycle supposed to last? and how long are the meetings").parts
    assert "coach" in parts[1].context


def test_how_many_times_is_answered_by_once_or_twice() -> None:
    from rag.answering.facts import states

    assert states("number", "Then you iterate at least once.", "how many times am I supposed to iterate")
    assert not states("number", "Iterate often.", "how many times am I supposed to iterate")
