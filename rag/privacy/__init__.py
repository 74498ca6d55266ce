"""The privacy guard: find student personal data in what a teacher types, and take it out.

It runs before a question is logged, stored, carried into the next question or sent to any model.
Patterns catch contact details, ID numbers and credentials (``patterns``); names are recognised by
their role in the sentence as well as by word lists (``names``, ``lexicon``); health, disability,
discipline and family details are generalised when the question identifies the student
(``health``). ``hubqa eval privacy`` measures it on a labelled set.
"""

from rag.privacy.guard import Redaction, describe, findings, redact
from rag.privacy.lexicon import first_names, load_word_lists

__all__ = ["Redaction", "describe", "findings", "first_names", "load_word_lists", "redact"]
