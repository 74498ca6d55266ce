"""How teachers type: chat spellings, contractions, fillers and chat words.

Read by the question analysis (to clean a question) and by the privacy guard (a chat word is
not a name), so it sits in the core, below both.
"""

from __future__ import annotations

import re

#: Chat spellings and contractions, rewritten before anything reads the question.
SPELLING = {
    "whats": "what is",
    "wats": "what is",
    "wat": "what",
    "whens": "when is",
    "wheres": "where is",
    "whos": "who is",
    "hows": "how is",
    "whys": "why is",
    "thats": "that is",
    "theres": "there is",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "cannot",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "im": "I am",
    "ive": "I have",
    "youre": "you are",
    "theyre": "they are",
    "i": "I",
    "u": "you",
    "ur": "your",
    "r": "are",
    "w": "with",
    "w/": "with",
    "w/o": "without",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "bcuz": "because",
    "pls": "please",
    "ppl": "people",
    "prolly": "probably",
    "yall": "you all",
    "thru": "through",
    "smth": "something",
    "sth": "something",
    "obv": "obviously",
    "ofc": "of course",
    "deff": "definitely",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
    "abt": "about",
    "tho": "though",
    "rn": "right now",
    "kid": "student",
    "kids": "students",
    "kiddos": "students",
    "kiddo": "student",
    "littles": "young students",
    "hs": "high school",
    "ms": "middle school",
    "elem": "elementary",
    "schoolers": "school students",  # "high schoolers", "middle schoolers"
    "schooler": "school student",
    "sped": "special education",
    "gpt": "ChatGPT",
    "chatgpt": "ChatGPT",
    "chat gpt": "ChatGPT",
    "chatbots": "chatbots",
    "admin": "administrator",
    "admins": "administrators",
    "prez": "presentation",
    "convo": "conversation",
    "convos": "conversations",
    "info": "information",
    "intro": "introduction",
    "intros": "introductions",
    "pd": "professional development",
    "ok to": "allowed to",
    "okay to": "allowed to",
    "alright to": "allowed to",
    "legit": "reliable",
    "sub": "substitute teacher",
    "vocab": "vocabulary",
    "kinders": "kindergarteners",
    "kinder": "kindergarten",
    "kindies": "kindergarteners",
    "ell": "English learner",
    "ells": "English learners",
    "esl": "English learner",
    "esol": "English learner",
    "mll": "multilingual learner",
    "mlls": "multilingual learners",
    "hw": "homework",
    "diff": "different",
    "hafta": "have to",
    "wen": "when",
    "fam": "family",
    "fams": "families",
    "msg": "message",
    "mins": "minutes",
    "yr": "year",
    "yrs": "years",
    "hrs": "hours",
    "sem": "semester",
    "pic": "picture",
    "pics": "pictures",
    "hafto": "have to",
    "oughta": "ought to",
    "assignmnt": "assignment",
    "teh": "the",
    "wifi": "internet",
    "sus": "suspicious",
    "acct": "account",
    "accts": "accounts",
    "wi-fi": "internet",
}
#: AI products teachers name, by the kind of tool each is: a hub that covers the kind covers the
#: product ("my 4th graders' own gemini accounts" asks about student chatbot accounts).
PRODUCTS = {
    **dict.fromkeys("gemini bard claude copilot perplexity grok llama mistral deepseek poe".split(), "chatbot"),
    **dict.fromkeys("turnitin gptzero zerogpt copyleaks originality winston".split(), "ai detector"),
    **dict.fromkeys("magicschool khanmigo brisk diffit eduaide schoolai curipod snorkl".split(), "ai tool"),
    **dict.fromkeys("quillbot grammarly wordtune".split(), "writing tool"),
    **dict.fromkeys("dall-e midjourney canva firefly".split(), "image generator"),
}
#: Schools' names for the same students, which one hub uses and another doesn't: a question in one
#: also searches for the other ("my English learners" finds a guide on multilingual learners).
EQUIVALENTS = {
    "english learner": "multilingual learner",
    "multilingual learner": "English learner",
    "emergent bilingual": "multilingual learner",
    "special education": "students with disabilities",
    "students with disabilities": "special education",
}
#: A letter typed three times or more ("sooo", "pleeease"): tone, never a name or a topic.
STRETCHED = re.compile(r"([a-z])\1\1", re.IGNORECASE)
CONTRACTION = re.compile(r"\b(\w+)['\u2019](s|re|ve|ll|d|m|t)\b", re.IGNORECASE)
CONTRACTED = {"re": "are", "ve": "have", "ll": "will", "d": "would", "m": "am"}
#: Words that carry tone, not topic: they never count as something the hub should cover.
FILLER = frozenset(
    """hey hi hello yo so um uh like lol lmao omg tbh idk ngl def defo definitely lowkey highkey kinda
    sorta gonna wanna gotta super totally basically literally actually honestly seriously cool awesome
    great nice quick quickly question questions help helpful guys folks anyone someone pretty just stuff
    deal wondering wonder thinking think guess figure figured sure exactly maybe probably
    asap again btw fyi ok okay alright yeah yep nope please thanks ugh hmm oops yikes welp meh whoops dang
    gosh geez couple bunch lots tons""".split()
)

#: Chat words and abbreviations ("rn", "tbh", "lowkey"): never a person's name or a topic.
CHAT_WORDS = (
    frozenset(w for w in SPELLING if " " not in w and "/" not in w)
    | FILLER
    | frozenset("smh idc idgaf imo imho irl fr ngl rly srsly jk tmi wtf omw bff ikr nvm ttyl brb gtg".split())
    | frozenset("tbf iirc afaik lmk hmu wyd".split())
)
