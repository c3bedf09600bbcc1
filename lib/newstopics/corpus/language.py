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
COMPILED_FROM = 2000  # articles from which a corpus is read with the compiled walk


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _load():
    from py3langid import langid

    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def _load_compiled():
    """For large corpora: the identifier with its walk compiled (about 1.5 s to compile, once per process; from
    :data:`COMPILED_FROM` articles on it pays for itself)."""
    from py3langid import langid

    try:
        return _compiled(langid)
    except Exception as exc:  # numba or py3langid changed: the library's own walk, as fast as it is
        from .. import speedups

        speedups.NOTES["language_walk"] = f"py3langid's own ({type(exc).__name__}: {str(exc)[:120]})"
        return _load()


def _compiled(langid):
    """py3langid's identifier with its byte-by-byte walk through the feature automaton compiled by numba (a Python
    loop over every byte of every article otherwise: two thirds of reading a large corpus). The walk returns the
    features in the order of their first visit with their counts, as py3langid's own ``Counter`` does, and the
    scores are computed by py3langid's own code from there, so the results are the same to the last bit
    (``tests/test_corpus.py`` compares them)."""
    import numba
    import numpy as np

    @numba.njit(cache=False, nogil=True)
    def walk(nextmove, rowbase, output, data, slot):
        order = np.empty(len(data), np.int64)
        counts = np.zeros(len(data), np.int64)
        k, state = 0, 0
        for byte in data:
            state = nextmove[rowbase[state] + byte]
            f = output[state]
            if f >= 0:
                if slot[f] < 0:
                    slot[f] = k
                    order[k] = f
                    counts[k] = 1
                    k += 1
                else:
                    counts[slot[f]] += 1
        for i in range(k):
            slot[order[i]] = -1
        return order[:k], counts[:k]

    base = langid.LanguageIdentifier
    own = base._raw_score  # what is replaced must still be there, with the same contract

    scratch = threading.local()  # the walk's slot table, one per thread: it runs without the GIL

    class Compiled(base):
        __slots__ = ("_arrays",)

        def _raw_score(self, text):
            nextmove, rowbase, output = self._arrays
            slot = getattr(scratch, "slot", None)
            if slot is None:
                slot = scratch.slot = np.full(int(output.max()) + 1, -1, np.int32)
            idx, counts = walk(nextmove, rowbase, output, np.frombuffer(text, np.uint8), slot)
            if not len(idx):
                return own(self, text)  # no feature: py3langid's own answer for that
            return np.log1p(counts.astype(np.float32)) @ self.nb_ptc[idx] + self.nb_pc

    ident = Compiled.from_model_file(langid.MODEL_FILE, norm_probs=True)
    output = np.asarray(ident.tk_output, np.int32)
    ident._arrays = (np.asarray(ident.tk_nextmove, np.int32), np.asarray(ident._rowbase, np.int32), output)
    ident.classify("compile the walk now, once per process")
    return ident


def _identifier(compiled: bool = False):
    """The detector, loaded once per process (about 0.5 s: its model is xz-compressed); thread-safe."""
    with _LOCK:
        return _load_compiled() if compiled else _load()


def detect(text: str, compiled: bool = False) -> tuple[str, float]:
    """``(ISO 639-1 code, confidence)`` of a text's language, or ``("und", confidence)`` when it cannot tell;
    ``compiled``: with the compiled walk (the same answer, faster for many texts; see :func:`_compiled`).

    Example:
        >>> detect("Les modèles chinois à poids ouverts sont bon marché et populaires auprès des développeurs "
        ...        "partout dans le monde, selon plusieurs études récentes publiées cette année.")[0]
        'fr'
    """
    if len(text.split()) < MIN_WORDS:
        return UNDETERMINED, 0.0
    language, confidence = _identifier(compiled).classify(text[:SAMPLE_CHARACTERS])
    confidence = round(float(confidence), 3)
    return (str(language), confidence) if confidence >= MIN_CONFIDENCE else (UNDETERMINED, confidence)
