"""Each article's language, so a report can say which articles its embedding model cannot read.

py3langid (a maintained fork of langid.py: 97 languages, a small NumPy model) judges the article's cleaned text;
an article too short to judge (fewer than :data:`MIN_WORDS` words) or judged with a confidence under
:data:`MIN_CONFIDENCE` is ``"und"`` (undetermined) and is never dropped for its language.
"""
from __future__ import annotations

import threading
from functools import lru_cache

MIN_WORDS = 20
MIN_CONFIDENCE = 0.8
UNDETERMINED = "und"
SAMPLE_CHARACTERS = 5000  # the first characters of the text are enough to judge, and bound the cost


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _load():
    from py3langid import langid

    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def _identifier():
    """The detector, loaded once per process (about 0.5 s: its model is xz-compressed); thread-safe."""
    with _LOCK:
        return _load()


def detect(text: str) -> tuple[str, float]:
    """``(ISO 639-1 code, confidence)`` of a text's language, or ``("und", confidence)`` when it cannot tell.

    Example:
        >>> detect("Les modèles chinois à poids ouverts sont bon marché et populaires auprès des développeurs "
        ...        "partout dans le monde, selon plusieurs études récentes publiées cette année.")[0]
        'fr'
    """
    if len(text.split()) < MIN_WORDS:
        return UNDETERMINED, 0.0
    language, confidence = _identifier().classify(text[:SAMPLE_CHARACTERS])
    confidence = round(float(confidence), 3)
    return (str(language), confidence) if confidence >= MIN_CONFIDENCE else (UNDETERMINED, confidence)
