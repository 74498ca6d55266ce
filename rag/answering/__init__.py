"""Answering: the assistant, the extractive composer, the language models, follow-ups, the
answer-or-refuse gate and its calibration, and the grounding checks of an answer."""
