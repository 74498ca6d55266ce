"""Health, disability, discipline and family details: generalised when they concern a student the
question identifies ("Jayden ... has an IEP for ADHD" -> "... has a learning plan for a health
condition"), kept when the question is general ("How do I use AI with students who have IEPs?").

FERPA treats a student's identity together with disability or health information as the most
sensitive case; the generalised words keep the question answerable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Detail:
    kind: str  # what the teacher is told was removed
    generic: str  # what the question says instead
    regex: re.Pattern[str]


def _terms(*alternatives: str) -> str:
    return "|".join(alternatives)


_ADJ = r"(?:(?:severe|mild|moderate|diagnosed|serious|chronic|social|generali[sz]ed|clinical|possible|suspected)\s+)?"
_DET = r"(?:(?:an?|the|his|her|their)\s+)?"

DETAILS: list[Detail] = [
    Detail(
        "learning plan (IEP or 504)",
        "[a learning plan]",
        re.compile(
            r"(?i)\b" + _DET + r"(?:IEPs?|I\.E\.P\.?|individuali[sz]ed education (?:program|plan)|"
            r"(?:section\s+)?504\s+plans?|(?:section\s+)?504(?=\s+(?:for|that|which|says|allows|lists|accommodations?)|[.,;?!]|\s*$)|"
            r"behaviou?r(?:al)?\s+(?:intervention\s+)?plans?|BIP|special\s+ed(?:ucation)?\s+(?:services|plan|status)|"
            r"accommodations?\s+plan)\b"
        ),
    ),
    Detail(
        "health or disability",
        "[a health condition]",
        re.compile(
            r"(?i)\b(?:diagnosed\s+with\s+)?"
            + _DET
            + _ADJ
            + r"(?:"
            + _terms(
                r"ADHD",
                r"(?-i:ADD)",
                r"attention[- ]deficit(?:\s+\w+)?\s+disorder",
                r"autism(?:\s+spectrum(?:\s+disorder)?)?",
                r"autistic",
                r"on\s+the\s+(?:autism\s+)?spectrum",
                r"ASD",
                r"asperger'?s(?:\s+syndrome)?",
                r"dyslexi[ac]",
                r"dyscalculia",
                r"dysgraphia",
                r"dyspraxia",
                r"anxiety(?:\s+(?:disorder|diagnosis|attacks?))?",
                r"panic\s+attacks?",
                r"depression",
                r"depressed",
                r"bipolar(?:\s+disorder)?",
                r"OCD",
                r"PTSD",
                r"eating\s+disorder",
                r"anorexi[ac]",
                r"bulimi[ac]",
                r"(?:type\s+[12]\s+)?diabet(?:es|ic)",
                r"epilep(?:sy|tic)",
                r"seizures?(?:\s+disorder)?",
                r"asthma(?:tic)?",
                r"cancer",
                r"leuka?emia",
                r"cerebral\s+palsy",
                r"down\s+syndrome",
                r"tourette'?s?(?:\s+syndrome)?",
                r"deaf",
                r"hard[- ]of[- ]hearing",
                r"hearing[- ](?:impaired|impairment|loss)",
                r"blind",
                r"visually[- ]impaired",
                r"vision\s+impairment",
                r"speech\s+(?:impairment|delay|disorder)",
                r"non-?verbal",
                r"non-?speaking",
                r"(?:uses\s+an?\s+)?AAC(?:\s+device)?",
                r"wheelchair",
                r"hearing\s+aids?",
                r"cochlear\s+implants?",
                r"selective\s+mutism",
                r"language\s+disorder",
                r"learning\s+disabilit(?:y|ies)",
                r"intellectual\s+disabilit(?:y|ies)",
                r"emotional\s+disturbance",
                r"processing\s+disorder",
                r"self[- ]harm(?:ing)?",
                r"suicidal(?:\s+thoughts)?",
                r"pregnan(?:t|cy)",
                r"concussion",
                r"mental\s+health\s+(?:condition|issues?|crisis|diagnosis)",
                r"allerg(?:y|ies|ic)(?:\s+to\s+\w+)?",
                r"disabilit(?:y|ies)",
                r"disabled",
            )
            + r")\b"
        ),
    ),
    Detail(
        "medication",
        "[a medication]",
        re.compile(
            r"(?i)\b(?:on\s+)?"
            + _DET
            + r"(?:"
            + _terms(
                r"ritalin",
                r"adderall",
                r"concerta",
                r"vyvanse",
                r"strattera",
                r"focalin",
                r"methylphenidate",
                r"insulin(?:\s+pump)?",
                r"zoloft",
                r"prozac",
                r"lexapro",
                r"antidepressants?",
                r"anti-?anxiety\s+(?:meds|medication)",
                r"(?:adhd\s+)?(?:meds|medication)",
                r"stimulants?",
                r"inhaler",
            )
            + r")\b"
        ),
    ),
    Detail(
        "counselling or therapy",
        "[support services]",
        re.compile(
            r"(?i)\b"
            + _DET
            + r"(?:"
            + _terms(
                r"(?:school\s+)?counsel(?:l)?or",
                r"counsel(?:l)?ing",
                r"therap(?:ist|y)",
                r"psychologist",
                r"psychiatrist",
                r"social\s+worker",
                r"speech\s+therap(?:ist|y)",
                r"occupational\s+therap(?:ist|y)",
            )
            + r")\b"
        ),
    ),
    Detail(
        "discipline record",
        "[a discipline matter]",
        re.compile(
            r"(?i)\b(?:(?:\w+|\d+)\s+(?=detentions))?"
            + _DET
            + r"(?:"
            + _terms(
                r"suspended",
                r"suspension",
                r"expelled",
                r"expulsion",
                r"detentions?",
                r"arrested",
                r"arrest",
                r"juvenile\s+(?:record|detention|court|hall)",
                r"on\s+probation",
                r"probation(?:\s+officer)?",
                r"disciplinary\s+(?:referral|record|action|hearing)",
                r"office\s+referrals?",
                r"behaviou?r\s+referrals?",
                r"(?:caught\s+)?vaping",
            )
            + r")\b"
        ),
    ),
    Detail(
        "immigration status",
        "[immigration status]",
        re.compile(
            r"(?i)\b"
            + _DET
            + r"(?:"
            + _terms(
                r"undocumented",
                r"deported",
                r"deportation",
                r"DACA(?:\s+status)?",
                r"refugees?",
                r"asylum(?:\s+seekers?)?",
                r"immigration\s+status",
                r"visa\s+status",
                r"without\s+papers",
            )
            + r")\b"
        ),
    ),
    Detail(
        "family circumstance",
        "[a family circumstance]",
        re.compile(
            r"(?i)\b"
            + _DET
            + r"(?:"
            + _terms(
                r"(?:in\s+)?foster\s+(?:care|home|family|parents?)",
                r"foster(?=\s+(?:kid|child|student|youth|son|daughter|placement)s?\b)",
                r"homeless(?:ness)?",
                r"(?:going\s+through\s+a\s+)?(?:messy\s+)?divorce",
                r"custody\s+(?:battle|dispute|case)",
                r"incarcerated",
                r"(?:in|went\s+to|sent\s+to|got\s+sent\s+to)\s+(?:jail|prison)",
                r"locked\s+up",
                r"living\s+in\s+(?:a|an|her|his|their|the)\s+(?:car|van|truck|motel|shelter)",
                r"(?:homeless\s+)?shelter",
                r"couch[- ]surfing",
                r"CPS",
                r"child\s+protective\s+services",
                r"abused",
                r"neglected",
                r"evicted",
                r"passed\s+away",
                r"died",
                r"death\s+in\s+(?:the|his|her|their)\s+family",
                r"grieving",
            )
            + r")\b"
        ),
    ),
]


#: A student the teacher singles out without a name: "a boy in my 2nd period who", "I have a 7th
#: grader whose", "one of my students". (A general question asks about "students who have IEPs".)
SINGLED_OUT = re.compile(
    r"(?i)\b(?:i\s+have|i've\s+got|there'?s)\s+(?:a|one|this)\s+(?:\w+\s+){0,2}"
    r"(?:student|kid|boy|girl|child|grader|learner|freshman|sophomore|junior|senior)\b"
    r"|\b(?:student|kid|boy|girl|child|grader|learner)\s+(?:in|from)\s+(?:my\s+|the\s+)?(?:\w+\s+){0,2}"
    r"(?:class|period|homeroom|section|group|room)\b"
    r"|\bone\s+of\s+my\s+(?:\w+\s+)?(?:students|kids|graders|learners|boys|girls)\b"
)


def find_details(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, generic phrase) for every sensitive detail in ``text``."""
    found = []
    for d in DETAILS:
        for m in d.regex.finditer(text):
            found.append((m.start(), m.end(), d.kind, d.generic))
            if d.kind == "discipline record" and (reason := _REASON.match(text, m.end())):
                # "suspended for 3 days for fighting": what it was for is part of the record
                found.append((reason.start(1), reason.end(1), d.kind, d.generic))
    return found


#: What a suspension or a referral was for, a few words after it (not cheating or plagiarism: what
#: the teacher asks the hub about).
_REASON = re.compile(
    r"(?i)(?:\s+[\w-]+){0,4}?\s+for\s+((?:a\s+)?(?:fighting|fight|bullying|harassment|harassing\s+\w+|stealing|"
    r"theft|vandalism|drugs|weed|marijuana|alcohol|drinking|weapons?|threats?|threatening\s+\w+|"
    r"vaping|smoking|truancy|skipping(?:\s+class)?|assault))\b"
)
