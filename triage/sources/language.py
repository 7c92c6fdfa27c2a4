"""Language of an item when neither the source nor the feed declares it (py3langid)."""

from __future__ import annotations

import threading

# The languages Triage's sources publish in, plus their neighbours: restricting the
# model to them makes short texts (a headline) far less often misread.
LANGUAGES = ("en", "fr", "de", "it", "ja", "es", "pt", "nl", "ru", "uk", "zh", "ar", "ko", "pl")

_identifier = None
_lock = threading.Lock()


def _model():
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
            ident.set_languages(list(LANGUAGES))
            _identifier = ident
    return _identifier


def detect(text: str) -> str | None:
    """ISO 639-1 code, or None when there is too little text to tell."""
    sample = (text or "").strip()[:2000]
    if len(sample) < 12:
        return None
    code, _score = _model().classify(sample)
    return code
