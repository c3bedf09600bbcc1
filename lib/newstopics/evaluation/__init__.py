"""How good are the topics, and how sure can we be of them: the evaluation stage.

Entry point: :func:`evaluate`. Inside: ``coherence`` (NPMI, C_v, diversity, checked by hand in the tests),
``baselines`` (NMF and LDA with as many topics), ``stability`` (refits on resamples, matched by their documents),
``ranking`` (runs ranked by their metrics, for sweeps).
"""
from .baselines import LDA_ITERATIONS, baseline_topics, want_baselines
from .coherence import (
                        CV_WINDOW,
                        NPMI_WINDOW,
                        TOP_N,
                        Scores,
                        WindowCounts,
                        count_windows,
                        cv_coherence,
                        diversity,
                        npmi_coherence,
                        score_topics,
                        single_words,
                        tokenize,
)
from .evaluate import Evaluation, evaluate
from .ranking import RANK_BY, rank_runs
from .stability import REAPPEAR, STABLE_SHARE, Stability, document_jaccard, stability, word_overlap

__all__ = [
    "CV_WINDOW", "LDA_ITERATIONS", "NPMI_WINDOW", "RANK_BY", "REAPPEAR", "STABLE_SHARE", "TOP_N", "Evaluation",
    "Scores", "Stability", "WindowCounts", "baseline_topics", "count_windows", "cv_coherence", "diversity",
    "document_jaccard", "evaluate", "npmi_coherence", "rank_runs", "score_topics", "single_words", "stability",
    "tokenize", "want_baselines", "word_overlap",
]
