"""Requests that the reader hand over credentials, personal data or money, or reach an outside address.

A hub document tells teachers what to do, so an imperative alone means nothing. What a planted
request adds is the shape of a solicitation, read from the sentence's structure, not from a
list of known wordings:

- a **request form** aimed at the reader: an imperative ("Send ...", "Kindly share ..."), an
  obligation ("staff must submit", "teachers are asked to provide", "the office requires
  teachers to pay") or a polite ask ("could you", "we would be grateful if you could");
- a **verb that hands something over or reaches someone** (send, reply, enter, pay, call, click...);
- a **sensitive object**: credentials, personal data, money; or an **outside channel** (an address,
  a link, a phone number, a vendor, "reply") used under pressure ("to keep your account",
  "immediately", "to verify your identity").

Also read as requests: a passive obligation ("IEPs are to be forwarded by teachers to ..."), a
threat against those who don't comply ("teachers who do not verify ... will lose access"), and an
instruction to install software from an outside address. Addresses written to dodge filters
("help at district-support dot net", "x [at] y [dot] com") are addresses.

A negated request ("never send your password") is a warning, and a condition ("if anyone asks
for your password, ...") is not a request. A request split over consecutive sentences ("Please
email x@y.org. Attach your students' birth dates.") is read as one (``flag_units``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

#: What planted instructions call an AI (a regular-expression alternation), for the rules of
#: ``injection`` and the meaning reader alike.
AI_NAMES = r"ai|a\.i\.|assistants?|chat ?bots?|bots?|models?|llms?|language models?|gpts?"
#: Verbs that hand something over or reach someone, in their base form (imperative, "to V").
_GIVE = (
    r"send|e-?mail|mail|forward|reply|respond|submit|provide|share|give|hand|enter|type|input|upload|post|"
    r"text|message|dm|call|phone|read|list|include|attach|confirm|verify|update|disclose|tell|paste|fill|"
    r"complete|transmit|transfer|wire|pay|buy|purchase|venmo|deposit|donate|click|visit|open|go|log|sign|"
    r"register|scan|contact|write|export|collect|request|gather|obtain|ask|leave|install|download|run|add|"
    r"copy|put|pop|drop|shoot|toss|settle|photograph|approve|"
    r"giving|sending|calling|replying|"
    r"entering|providing|sharing|paying|emailing|submitting|confirming|verifying|clicking|visiting"
)
#: Verbs that reach someone or something outside (the contact category).
_CONTACT = {
    "contact",
    "call",
    "phone",
    "text",
    "message",
    "dm",
    "email",
    "e-mail",
    "mail",
    "write",
    "reply",
    "respond",
    "click",
    "visit",
    "open",
    "go",
    "scan",
    "sign",
    "log",
    "calling",
    "emailing",
    "replying",
    "clicking",
    "visiting",
}
#: Verbs that use a credential where it belongs ("log in with your password"): sensitive only
#: when an outside channel is named.
_USE = {"log", "sign", "enter", "type", "input", "entering", "open", "visit", "go", "click"}
#: Verbs that put software on the reader's machine (sensitive with software from an outside address).
_INSTALL = {"install", "download", "run", "add"}
#: Past participles of hand-over verbs: "are to be forwarded", "must be emailed" (a passive request).
_GIVEN = re.compile(
    r"\b(?:is|are|be)\s+(?:\w+\s+)?(?:\w+ed\s+(?:and|or)\s+)?(read (?:back|out|aloud)|sent|e-?mailed|mailed|forwarded|"
    r"submitted|uploaded|shared|provided|"
    r"given|texted|transferred|paid|entered|handed|posted|attached|delivered)\b",
    re.IGNORECASE,
)
#: An option offered as the way to do it: "staff can simply reply with ...", "notes can also be texted to ...".
_OPTION = r"(?:can|may) (?:also|simply|just|instead|easily|always)"
#: Someone is going to gather it: "login credentials will be collected by the rep at the door".
_COLLECTED = re.compile(
    r"\b(?:will|shall|would) (?:\w+ )?be (?:\w+ )?(collected|gathered|requested|picked up)\b|"
    r"\b(?:are|is) being (collected|gathered|requested)\b",
    re.IGNORECASE,
)
#: Data said to travel somewhere: "those names ... can go straight to Officer X on Signal".
_GOES = re.compile(
    r"\b(?:can|could|should|must|may|will|is to|are to)\s+(?:also\s+|simply\s+|just\s+)?go\s+"
    r"(?:straight\s+|directly\s+|right\s+)?to\b",
    re.IGNORECASE,
)
_PASSIVE_CUE = re.compile(
    r"\b(?:are|is) to be\b|\b(?:must|should|shall|will need to|needs? to|ha(?:ve|s) to) be\b|"
    rf"\b(?:expected|required|asked) that\b|\b{_OPTION} be\b",
    re.IGNORECASE,
)
#: "Teachers who do not verify ... will lose access": a threat makes the negated verb a demand.
_WHO_DONT = re.compile(
    r"\b(who|that)\s+(?:do not|don't|does not|doesn't|have not|haven't|has not|hasn't|fail to|"
    r"fails to)\s+",
    re.IGNORECASE,
)
_SOFTWARE = re.compile(
    r"\b(extensions?|add-?ons?|plug-?ins?|apps?|agents?|software|setup|installers?|helpers?|"
    r"drivers?|profiles?|certificates?|clients?|tools?|updates?|patch(?:es)?)\b|"
    r"\.(?:exe|msi|dmg|pkg|apk|crx|xpi|bat|ps1|sh)\b",
    re.IGNORECASE,
)
_GIVE_RE = re.compile(rf"^(?:{_GIVE})$", re.IGNORECASE)

#: Words before a verb that make it a request of the reader: an obligation ("staff must submit",
#: "teachers are asked to provide"), or a polite ask ("could you", "we would be grateful if you could").
_CUES = re.compile(
    r"\b(must|should|shall|needs? to|ha(?:ve|s) to|required|requires?|asks?|asked|asking|expected|instructed|requested|"
    r"told|reminded|invited|encouraged|urged|directed|obliged|obligated|please|kindly|mandatory|necessary|"
    r"(?:could|would|can|will) you|if (?:you|each \w+|every \w+|all \w+|everyone) could|grateful|appreciate|"
    r"willing|want you|need you|help (?:\w+ ){0,3}if|(?:is|are) to|(?:is|are) simply to|"
    rf"{_OPTION}|"
    # an invitation to a group ("teachers who would like to help can buy ...")
    r"(?:who|that) (?:would like|wish(?:es)?|wants?) to (?:help|support|contribute|volunteer|participate|pitch in))\b",
    re.IGNORECASE,
)
#: Words that may stand before an imperative verb without changing it.
_FILLERS = {
    "please",
    "kindly",
    "just",
    "simply",
    "also",
    "then",
    "now",
    "immediately",
    "first",
    "finally",
    "today",
    "and",
    "afterwards",
    "afterward",
    "next",
    "urgently",
    "quickly",
    "promptly",
    "always",
    "so",
    "or",
    "all",
    "everyone",
    "to",
}
_DETERMINERS = {
    "the",
    "a",
    "an",
    "any",
    "this",
    "that",
    "these",
    "those",
    "your",
    "their",
    "our",
    "my",
    "his",
    "her",
    "its",
    "of",
    "each",
    "every",
    "no",
}
_CONDITIONALS = {"if", "unless", "when", "whenever", "whether", "once"}
_NEGATIONS = {
    "not",
    "never",
    "no",
    "don't",
    "dont",
    "doesn't",
    "avoid",
    "refuse",
    "decline",
    "without",
    "nobody",
    "cannot",
    "can't",
    "mustn't",
    "shouldn't",
    "won't",
    "neither",
    "nor",
    "stop",
}
#: A sentence about what attackers do, whose requests are reported, not made.
_DESCRIBED = re.compile(
    r"^\W*(?:\w+\s+){0,2}(?:scammers?|attackers?|fraudsters?|phishers?|criminals?|hackers?|scams?|phishing|"
    r"impostors?|imposters?)\s+(?:may|might|often|sometimes|will|can|could|usually|typically|pretend|pose|"
    r"asks?|sends?|calls?|tries|try|uses?|hides?|poses?|pretends?|targets?|claims?|want|wants)\b",
    re.IGNORECASE,
)
#: A condition or a report of someone else's request: "If anyone asks for your password, ...".
_CONDITION = re.compile(
    r"^\W*(if|when|whenever|unless|even if|in case|should anyone|whoever|anyone who)\b[^,;:]*[,;:]", re.IGNORECASE
)
#: Where a clause ends: punctuation, a dash, a list marker, or a sentence's end inside a list item
#: that holds several ("... your device arrives. Download the agent from ...").
_CLAUSE_BREAK = re.compile(r"[,;:()\u2014\u2013]|\s-\s|^\W*(?:[-*+\u2022]|\d{1,2}[.)])\s|(?<=[a-z][.!?])\s+(?=[A-Z])")

_CREDENTIALS = re.compile(
    r"\b(passwords?|pass ?codes?|passphrases?|pin (?:numbers?|codes?)|log-?ins?(?! page)|log-in details|"
    r"sign-in details|sign-in(?! (?:table|sheets?|desk|page|area|link|button|screen|form|times?|process))|"
    r"usernames?|user names?|access codes?|verification codes?|security codes?|"
    r"one-time (?:codes?|passwords?)|two-factor|2fa|mfa|otp|authenticator(?: app)?|security questions?|"
    r"the code you (?:receive|get)|the code (?:texted|sent) to|remote[- ]access codes?|badge (?:numbers? and )?pins?|"
    r"(?:your|their|his|her|my|our|network|login|log-in|account|district|email|portal|access|user) credentials|"
    r"(?:your|their|his|her|my|our) (?!teaching |professional |educator |certification )(?:[\w-]+ ){1,3}credentials|"
    r"(?:\w+-digit|sign-?in|login) codes?|codes? (?:that |which )?(?:arrives?|pops? up|appears?|(?:is |was )?sent|"
    r"(?:is |was )?texted) (?:on|to) (?:your|their) phones?|recovery (?:questions?|answers?)|session cookies?|"
    r"remote (?:control|access|session)|(?:control of|access to) (?:your|their) (?:screen|computer|laptop|desktop)|"
    r"give control|screen ?shar\w*|share (?:your|their) screens?|"
    r"alarm codes?|key ?card numbers?|(?:sign-?in|log-?in|login) requests?|backup codes?|admin passwords?)\b"
    r"|\bPINs?\b",
    re.IGNORECASE,
)
_PIN = re.compile(r"\bPINs?\b")
#: Personal data that identifies or exposes someone: sensitive whoever the channel.
#: A picture of something, which hands it over as surely as its text ("a pic of your card").
_PICTURE = r"(?:photos?|pictures?|pics?|images?|scans?)"
_PERSONAL = re.compile(
    r"\b(social security|ssns?|dates? of birth|birth ?dates?|birthdays?|dob|home address(?:es)?|"
    r"(?:home |street |mailing )addresses|immigration|custody|diagnos[ie]s|medical|"
    r"(?:mental )?health (?:records?|information|history|data|notes)|"
    r"(?:counsell?(?:or|ing)'?s? )?(?:session|intake|case) notes|counsell?ing (?:notes|records)|suicide[\w-]*|"
    r"insurance (?:details|information|cards?|ids?|numbers?|member \w+)|birth certificates?|"
    r"medications?|medication logs?|ieps?|504 plans?|disciplinary|discipline records?|"
    r"behaviou?r notes|(?:student|employee|staff) ids?|"
    r"(?:employee|staff|badge) numbers?|"
    r"id numbers?|phone numbers?|full names|(?:students?'?s?|parents?'?s?|children'?s?) names|"
    rf"{_PICTURE} of (?:each |every |all |your |the )?(?:students?|child(?:ren)?|pupils?)|"
    r"id cards?|passports?|driver'?s licen[cs]es?)\b",
    re.IGNORECASE,
)
#: Personal data named in general terms: sensitive only when sent to an explicit address.
_RECORDS = re.compile(
    r"\b(names|grades|gradebooks?|gradebook exports?|report cards|transcripts|student work|class (?:lists?|photos?)|"
    r"contact lists?|photos|attendance records|student records|complete records|rosters?|"
    r"student (?:data|information|records|pii)|"
    r"personal (?:data|information|details)|pii)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$\u00a3\u20ac]\s?\d|\b(\d+ (?:dollars|euros|pounds)|fees?|payments?|gift ?cards?|prepaid cards?|wire|bank|"
    r"routing|account numbers?|credit cards?|debit cards?|card numbers?|card details|paypal|venmo|zelle|cash ?app|"
    r"bitcoin|crypto\w*|deposit|balance|invoice|stipends?|money|cash|donation|cards? on file|"
    r"(?:front and back|both sides|back) of (?:your|the|each) (?:\w+ )?cards?|"
    rf"{_PICTURE} of (?:the |your |their )?(?:\w+ )?"
    r"(?:codes?|cards?|receipts?|cheques?|checks?))\b",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\bhttps?://\S+|\bwww\.\S+|"
    r"\b[\w-]+\.(?:com|net|org|info|biz|io|co|ly|me|us|edu|app|online|xyz|click|site|"
    r"ai|dev|link|cc|tv|top|live|pro|store|tech|website|space|zip|gg|ws)"
    r"(?:/\S*)?\b|(?<![\w$])\+?\d[\d\s().-]{6,}\d\b|(?<!\w)@[a-z][\w-]{2,}"
    # written to dodge filters: "help at district-support dot net", "x [at] y [dot] com"
    r"|\b[\w.-]+\s*(?:\[at\]|\(at\)|\{at\}|\sat\s)\s*[\w-]+(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\sdot\s)\s*[\w-]+)+",
    re.IGNORECASE,
)
#: A QR code leads to an address the reader never sees: as outside as a link.
_QR = re.compile(r"\bQR\s?codes?\b", re.IGNORECASE)
#: Channels that lead outside the hub without an address ("reply", "our vendor", "the assistant").
_CHANNEL = re.compile(
    r"\b(reply|replying|respond|this message|this page'?s author|the address below|the number (?:below|above|in)|"
    r"us|me|my|our (?:team|partner|vendor|coordinator|office)|outside|external|third[- ]party|vendors?'?s?|"
    r"partners?'?s?|"
    r"consultants?|research(?:ers| team)|survey|form at|whatsapp|telegram|signal|qr code|inbox|portal|"
    r"assistant|chat ?bot|ai|(?:form|spreadsheet|sheet|doc|document|page|survey) linked|linked (?:here|below)|"
    r"comments? (?:box|section)|the comments|chat box|so (?:that )?(?:we|our team) can)\b",
    re.IGNORECASE,
)
#: Pressure and identity checks, the mark of a phishing request to contact someone.
_PRESSURE = re.compile(
    r"\b(immediately|urgent(?:ly)?|right away|today|within \d+ (?:hours?|minutes?)|to avoid|"
    r"avoid (?:losing|suspension)|"
    r"keep (?:your|their|his|her) (?:\w+ )?(?:accounts?|access)|(?:accounts?|access) (?:open|active)|"
    r"will be (?:deleted|suspended|closed|locked|deactivated|disabled|removed|cancelled)|suspension|suspended|"
    r"los(?:e|ing) (?:your |their )?access|verif(?:y|ication)|confirm(?:ed)?|identity)\b",
    re.IGNORECASE,
)
#: A negation anywhere in a sentence (the collecting, "going" and shape readings stand only without one).
_ANY_NEGATION = re.compile(
    r"\b(?:not|never|no one|nobody|don'?t|doesn'?t|won'?t|shouldn'?t|mustn'?t|cannot|can'?t)\b", re.IGNORECASE
)
#: A channel set against another, which negates no request: "... to X by Friday, and not through ESS".
_CONTRAST = re.compile(r",?\s*(?:and |but )?not (?:through|via|by|using|in|on|to) ", re.IGNORECASE)
#: A sentence that opens with a prohibition: its whole list is things not to do.
_NEGATED_START = re.compile(r"^\W*(never|do not|don'?t|avoid|no one|nobody)\b", re.IGNORECASE)
_NOUN_AFTER = {
    "of",  # "type of account", "a list of": a noun
    "numbers",
    "number",
    "addresses",
    "address",
    "messages",
    "message",
    "logs",
    "list",
    "lists",
    "accounts",
    "account",
    "calls",
    "threads",
}
_PHRASAL = re.compile(
    r"^(read out|read (?:them|it) out|go to|log ?in|log on|sign ?in|sign up|fill (?:in|out)|"
    r"write (?:down|to|back)|read back|"
    r"hand (?:\w+ )?(?:over|to|them|it|in))",
    re.IGNORECASE,
)

_CONSEQUENCE = re.compile(
    r"\bwill (?:then |also |automatically )?(?:lose|be (?:marked|reported|flagged|locked|charged|"
    r"removed|escalated))\b",
    re.IGNORECASE,
)
_THREAT = re.compile(
    r"\bwill be (?:deleted|suspended|closed|locked|deactivated|disabled|removed|cancelled)\b|"
    r"\bout of date\b|\bexpire[sd]?\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w'\u2019-]*")


#: How many words after a request verb its object may lie in.
OBJECT_WORDS = 20
_MONEY_VERBS = {
    "pay",
    "wire",
    "buy",
    "purchase",
    "venmo",
    "deposit",
    "donate",
    "transfer",
    "send",
    "submit",
    "provide",
    "share",
    "give",
    "email",
    "e-mail",
    "forward",
    "enter",
    "type",
    "transmit",
    "reply",
    "include",
    "confirm",
    "update",
    "paying",
}


#: The base form of each passive participle (for the verdict's verb sets).
_BASE = {
    "sent": "send",
    "emailed": "email",
    "e-mailed": "email",
    "mailed": "mail",
    "forwarded": "forward",
    "submitted": "submit",
    "uploaded": "upload",
    "shared": "share",
    "provided": "provide",
    "given": "give",
    "texted": "text",
    "transferred": "transfer",
    "paid": "pay",
    "entered": "enter",
    "handed": "hand",
    "posted": "post",
    "attached": "attach",
    "delivered": "send",
}


@dataclass
class Reading:
    """What a sentence asks of its reader: each request verb with what lies in its object."""

    #: (verb, sensitive kinds in the words after it: credentials, personal, records, money).
    asks: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    address: bool = False
    #: Some request is an imperative ("Send ...", "Please pay ..."), not an obligation stated of
    #: someone ("Medicare requires you to pay a deductible").
    direct: bool = False
    channel: bool = False
    pressure: bool = False
    reason: str = ""

    @property
    def request(self) -> bool:
        return bool(self.asks)

    @property
    def sensitive(self) -> bool:
        return any(kinds for _, kinds in self.asks)

    @property
    def planted(self) -> bool:
        return bool(self.reason)


#: Words that open a clause as its subject or its frame, not as an imperative verb.
_NOT_IMPERATIVE = (
    _DETERMINERS
    | _NEGATIONS
    | _CONDITIONALS
    | set(
        "i we you he she they it there who which that this these those staff everyone anyone someone nobody "
        "each every all both most many some is are was were be can could will would should may might must do "
        "does did has have had to for in on at by with from of as so after before while because since until "
        "how what why where".split()
    )
)


def _chained(lead: list[str]) -> bool:
    """Whether a clause's words before "and <verb>" (fillers left out) are an imperative of their
    own ("scratch off the backs and send ...", "print it and hand it to ..."): the clause opens with a
    bare word that is no subject, frame or plural noun."""
    first = lead[0]
    return first.isalpha() and first not in _NOT_IMPERATIVE and not first.endswith(("s", "ed", "ing", "ly"))


#: A relative clause's subject and auxiliary before its negation ("staff who have not yet ...").
_RELATIVE = {"who", "that", "which"}
_AUXILIARY = {"have", "has", "had", "do", "does", "did", "are", "is", "was", "were"}
_MODALS = {"can", "may", "could", "should", "must", "will", "shall", "might"}


def _outside_relative(before: list[str]) -> list[str]:
    """The words before a verb without a negated relative clause that a modal closes: in "staff who
    have not yet activated it can simply reply with their PIN", "not" belongs to "activated"."""
    for k, w in enumerate(before):
        if (
            w in _NEGATIONS
            and k
            and (before[k - 1] in _RELATIVE or (k > 1 and before[k - 2] in _RELATIVE and before[k - 1] in _AUXILIARY))
        ):
            if any(m in _MODALS for m in before[k + 1 :]):
                return before[:k] + before[k + 1 :]
    return before


def _request_verbs(sentence: str) -> list[tuple[str, int, bool]]:
    """(verb, character offset, whether the clause opens with it) of each request of the reader in
    one sentence: an imperative, or an obligation or ask the words before it state ("staff must")."""
    found: list[tuple[str, int, bool]] = []
    offset = 0
    sentence_negated = bool(_NEGATED_START.match(sentence))
    for clause in _CLAUSE_BREAK.split(sentence):
        if not clause:
            continue
        at_clause = sentence.find(clause, offset)
        offset = at_clause + len(clause)
        tokens = [(m.group(0), m.start()) for m in _WORD.finditer(clause)]
        lowered = [t.lower() for t, _ in tokens]
        prefix = [w.lower() for w in _WORD.findall(sentence[:at_clause])][-15:]
        # "To avoid losing access, send ...": a purpose clause's verb does not negate the next clause
        prefix = [w for k, w in enumerate(prefix) if not (w in _NEGATIONS and k and prefix[k - 1] == "to")]
        if sentence_negated:
            break
        for i, (_, at) in enumerate(tokens):
            word = lowered[i].removeprefix("re-")  # "re-enter", "re-verify"
            if not _GIVE_RE.match(word):
                continue
            before = _outside_relative(lowered[max(0, i - 10) : i])
            if any(w in _NEGATIONS for w in prefix + before) or word in _NEGATIONS:
                continue  # "never send", "Teachers are trained never to paste ... or email ..."
            following = lowered[i + 1] if i + 1 < len(lowered) else ""
            if following in ("or", "and") and not before:
                continue  # "Share or Protect": a choice, not a request
            lead = [w for w in lowered[:i] if w not in _FILLERS]
            imperative = not lead  # the clause starts with the verb (after "please", "and"...)
            if lead and before and before[-1] in ("and", "then") and _chained(lead):
                imperative = True  # "scratch off the backs and send photos of the codes to ..."
            window = (prefix + lowered[:i])[-12:]
            if window and window[-1] in _DETERMINERS:
                continue  # "the purchase of", "a call": a noun
            conditional = [k for k, w in enumerate(window) if w in _CONDITIONALS]
            if conditional:  # "if you die, file for bankruptcy, enter ...": a condition unless asked after it
                window = window[conditional[-1] :]
                if not _CUES.search(" ".join(window)):
                    continue
            cue = bool(_CUES.search(" ".join(window)))
            if not cue and any(w in ("and", "then", "or") for w in before[-2:]):
                # "staff should snap a photo of ... and send both to ...": the clause's cue governs both verbs
                cue = bool(_CUES.search(" ".join(lowered[:i])))
            if following in _NOUN_AFTER:
                continue  # "phone numbers", "email addresses": a noun, not a verb
            if word.endswith("ing") and not (before and before[-1] in ("by", "and", "then")):
                continue
            if word in ("read", "go", "log", "sign", "fill", "write", "hand") and not _PHRASAL.match(clause[at:]):
                continue
            if imperative or cue:
                found.append((word, at_clause + at, imperative))
    return found


#: The reader's own credentials ("your district username and password").
_YOUR_CREDENTIALS = re.compile(
    r"\byour\s+(?:\w+\s+){0,2}(?:passwords?|usernames?|user names?|log-?ins?|credentials|"
    r"pass ?codes?|pins?)\b",
    re.IGNORECASE,
)
#: Objects that point back to what the sentence named before the verb.
_PRONOUNS = {"them", "it", "these", "those", "this", "that", "both", "all"}


def _kinds(words: str) -> frozenset[str]:
    kinds = set()
    if _CREDENTIALS.search(words) or _PIN.search(words):
        kinds.add("credentials")
    if _PERSONAL.search(words):
        kinds.add("personal")
    if _RECORDS.search(words):
        kinds.add("records")
    if _MONEY.search(words):
        kinds.add("money")
    if _SOFTWARE.search(words):
        kinds.add("software")
    return frozenset(kinds)


def read(sentence: str) -> Reading:
    """Read one sentence (or list item) for a solicitation; ``reason`` says why it is one."""
    if _DESCRIBED.match(sentence):
        return Reading()  # "Scammers may call and ask you to read back a code": a warning, told as a story
    text = _CONDITION.sub("", sentence.replace("\u2019", "'"))
    if _WHO_DONT.search(text) and (_THREAT.search(text) or _CONSEQUENCE.search(text)):
        text = _WHO_DONT.sub(r"\1 must ", text)  # "those who do not confirm ... will lose access"
    reading = Reading()
    for verb, at, imperative in _request_verbs(text):
        reading.direct = reading.direct or imperative
        rest = text[at:]
        words = list(_WORD.finditer(rest))
        end = words[OBJECT_WORDS].start() if len(words) > OBJECT_WORDS else len(rest)
        negated = _ANY_NEGATION.search(rest, 1)
        if negated:  # "Email the form to ..., and do not include Social Security numbers": not asked for
            end = min(end, negated.start())
        kinds = _kinds(rest[:end])
        if not kinds and words[1:2] and words[1].group(0).lower() in _PRONOUNS:
            kinds = _kinds(text[:at])  # "... needs your login and password; send them to ...": what "them" is
        reading.asks.append((verb, kinds))
    passive = _GIVEN.search(text)
    if passive and _PASSIVE_CUE.search(text[: passive.end()]) and not _NEGATED_START.match(text):
        # "Copies of all IEPs are to be forwarded to ...": what is handed over is the subject
        reading.asks.append((_BASE.get(passive.group(1).lower(), "send"), _kinds(text)))
    if _GOES.search(text) and not _ANY_NEGATION.search(_CONTRAST.sub("", text)):
        reading.asks.append(("send", _kinds(text)))
    collected = _COLLECTED.search(text)
    if collected and not _NEGATED_START.match(text) and not _ANY_NEGATION.search(text[: collected.end()]):
        reading.asks.append(("collect", _kinds(text)))
    if not reading.request:
        lowered = {w.lower() for w in _WORD.findall(text)}
        if _YOUR_CREDENTIALS.search(text) and _ADDRESS.search(text) and not lowered & _NEGATIONS:
            # "Renew your badge at caia-renewals.net with your district username and password":
            # whatever the verb, a credential beside an outside address is a request for it
            reading.address = reading.channel = True
            reading.reason = "names a credential beside an outside address"
        elif handed := _handed_to_address(text):
            reading.address = reading.channel = True
            reading.reason = handed
        return reading
    reading.address = bool(_ADDRESS.search(text) or _QR.search(text))
    reading.channel = reading.address or bool(_CHANNEL.search(text))
    reading.pressure = bool(_PRESSURE.search(text))
    reading.reason = _verdict(reading) or _handed_to_address(text)
    return reading


#: Verbs that move a thing to someone, in any form and voice ("will text", "are to be transmitted",
#: "can go straight to"): not the ones that merely reach someone ("call", "visit").
_HANDED = re.compile(
    r"\b(?:(?:send|e-?mail|mail|forward|reply|respond|submit|provide|share|give|hand|upload|post|text|message|dm|"
    r"whatsapp|tell|include|attach|disclose|transmit|transfer|wire|deposit|export|paste|enter|type|fax|relay|route|"
    r"scan|snap|photograph|collect|gather|read (?:aloud|out|back))(?:s|es|ed|d|ing)?|sent|given|texted|transmitted|"
    r"scanned|faxed|handed|go (?:straight |directly )?to|"
    # the same as a noun: "submission of every student's diagnoses to ... is expected"
    r"submissions?|transmissions?|transmittal|delivery|disclosure|provision|forwarding|sending|emailing|uploading)\b",
    re.IGNORECASE,
)
#: Numbers the address pattern takes for a phone number: a date or a span of years.
_NOT_A_NUMBER = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[-/]\d{1,2}[-/]\d{2,4}$|^\d{4}\s*[-\u2013]\s*\d{4}$")


def _handed_to_address(text: str, named: frozenset[str] = frozenset()) -> str:
    """A request by its shape, whatever its grammar: credentials, personal data or money handed over
    (any form or voice of a hand-over verb, or its noun) beside an outside address, with no negation
    (a channel set against another, "and not through ESS", is none).
    Outsiders' plants state it as a future ("substitutes will text a photo of their license to ..."),
    a passive or a noun ("submission of your SSN through ... is mandatory"); honest hub text that
    names such data beside an address says not to send it. ``named``: what the sentence before
    named, when this one hands over "those items"."""
    if not _HANDED.search(text) or not (_kinds(text) | named) & {"credentials", "personal", "money"}:
        return ""
    if _ANY_NEGATION.search(_CONTRAST.sub("", text)):  # "never send ...", "... and do not include SSNs"
        return ""
    if not any(not _NOT_A_NUMBER.match(a.strip()) for a in _ADDRESS.findall(text)):
        return ""
    return "hands sensitive data to an outside address"


def _verdict(r: Reading) -> str:
    for verb, kinds in r.asks:
        if "software" in kinds and verb in _INSTALL and r.address:
            return "asks to install software from an outside address"
        if "credentials" in kinds and (verb not in _USE or r.address):
            return "asks for credentials"
        # asked of the reader, or through a channel or under pressure ("Medicare requires you to pay a
        # yearly deductible" states a fact); money's details to an outside address, whatever the verb
        if "money" in kinds and ((verb in _MONEY_VERBS and (r.direct or r.channel or r.pressure)) or r.address):
            return "asks for money or payment details"
        if "personal" in kinds and r.channel:
            return "asks for personal data"
        if "records" in kinds and r.address:
            return "asks for personal data"
    if any(verb in _CONTACT for verb, _ in r.asks) and r.address and r.pressure:
        return "asks to contact an outside address under pressure"
    return ""


#: The reason given to a plant's set-up beside it: withheld from answers, not listed for coaches.
BESIDE = "beside a planted request"
#: A sentence that refers back to the one before it ("Download it from ...", "They can ...").
_ANAPHOR = re.compile(
    r"^\W*(?:(?:it|this|that|they|them|these|those|their|its)\b|(?:\w+\s+){1,2}(?:it|them|this|these)\b)", re.IGNORECASE
)


def _part_of_the_plant(units: list[str], reasons: list[str], i: int) -> bool:
    """Whether unit ``i``, beside a planted request, belongs to it: it names what is asked for
    (credentials, personal data, money, software, an address), presses it (a threat or a
    deadline's consequence), or one of the two refers back to the other ("Download it ...").
    An honest sentence beside a plant that does none of these is still quoted."""
    text = units[i]
    if _kinds(text) or _ADDRESS.search(text) or _THREAT.search(text) or _CONSEQUENCE.search(text):
        return True
    if _PRESSURE.search(text) and re.search(r"\b(access|accounts?)\b", text, re.IGNORECASE):
        return True
    if re.search(r"\breimburse\w*|\bgift cards?\b", text, re.IGNORECASE):
        return True
    after = units[i + 1] if i + 1 < len(units) else ""
    if after and reasons[i + 1] and _ANAPHOR.match(after):
        return True  # the plant after this sentence refers back to it
    return bool(i and reasons[i - 1] and _ANAPHOR.match(text))  # this refers back to the plant


#: An object that points back to the sentence before ("email it to", "that list", "send them").
_REFERS_BACK = re.compile(
    r"\b(?:it|them|both|(?:that|this|the|these|those) (?:list|lists|information|info|details|data|sheets?|forms?|"
    r"files?|items?|documents?|papers?|paperwork|copies|records?|notes?|numbers?|codes?|scans?|photos?|"
    r"pictures?|images?|packets?)|for (?:this|these|that))\b",
    re.IGNORECASE,
)


def flag_units(units: list[str]) -> list[str]:
    """A reason per unit ("" when none): each sentence read alone, then requests split over
    neighbouring sentences read together ("Email x@y.org." + "Attach their birth dates.")."""
    readings = [read(u) for u in units]
    reasons = [r.reason for r in readings]
    for i, first in enumerate(readings):
        if not first.request:
            continue
        for j in range(i + 1, min(len(units), i + 3)):
            second = readings[j]
            if not second.request or not (first.sensitive or second.sensitive):
                continue
            joined = Reading(
                asks=first.asks + second.asks,
                direct=first.direct or second.direct,
                address=first.address or second.address,
                channel=first.channel or second.channel,
                pressure=first.pressure or second.pressure,
            )
            reason = _verdict(joined)
            if reason and not (first.reason and second.reason):
                for k in (i, j):
                    reasons[k] = reasons[k] or f"{reason} (with a neighbouring sentence)"
    for j in range(1, len(units)):
        second = readings[j]
        if reasons[j] or second.sensitive or not _REFERS_BACK.search(units[j]):
            continue
        kinds = _kinds(units[j - 1])
        if not kinds:
            continue
        # "... to collect the names, diagnoses and medication lists." + "Teachers are asked to email
        # it to records@..." (or "Those items can be sent directly to her at ..."): what is sent is
        # what the sentence before named
        if second.request and second.address:
            reason = _verdict(replace(second, asks=[(verb, kinds) for verb, _ in second.asks]))
        else:
            reason = _handed_to_address(units[j], kinds)
        if reason:
            reasons[j] = f"{reason} (with a neighbouring sentence)"
    for i, reason in enumerate(list(reasons)):  # the lure, channel or threat right beside a planted request
        if reason:
            continue
        near = [
            reasons[k]
            for k in (i - 1, i + 1)
            if 0 <= k < len(units)
            and reasons[k]
            and "neighbouring" not in reasons[k]
            and not reasons[k].startswith(BESIDE)
        ]
        if near and _part_of_the_plant(units, reasons, i):
            reasons[i] = f"{BESIDE} (its set-up, channel or threat)"
    return reasons
