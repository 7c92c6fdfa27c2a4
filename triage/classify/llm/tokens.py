"""A local token estimate, for servers whose usage figures are missing or implausible.

No tokenizer of the server's model is at hand, so this counts the pieces BPE tokenizers
usually make: a token per short word or punctuation mark, more for long words, and a few
per chat message. It is within some tens of percent of real tokenizers on English prose
and JSON, which is what budgets, cost estimates and the probe's plausibility check need.
"""

from __future__ import annotations

import re

_PIECE = re.compile(r"\w+|[^\w\s]", re.UNICODE)
MESSAGE_OVERHEAD = 4  # role and separators of one chat message


def _text_tokens(text: str) -> int:
    return sum(1 + len(p) // 8 for p in _PIECE.findall(text))


def estimate_tokens(content: str | list[dict]) -> int:
    """Tokens of a text, or of chat messages (their contents plus a little per message)."""
    if isinstance(content, str):
        return _text_tokens(content)
    return sum(MESSAGE_OVERHEAD + _text_tokens(str(m.get("content") or "")) for m in content)


def plausible(reported: int | None, estimated: int) -> bool:
    """Whether a server's prompt token count could be true (within a factor of two of the estimate)."""
    if not reported or estimated <= 0:
        return False
    return 0.5 <= reported / estimated <= 2.0
