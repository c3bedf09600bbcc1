"""How good are the topics, and how sure can we be of them: the evaluation stage.

Entry point: :func:`evaluate`. Inside: ``coherence`` (NPMI, C_v, diversity, checked by hand in the tests),
``protocol`` (every model's words chosen on one half of the documents, scored on the other), ``baselines`` (NMF and
LDA with as many topics), ``stability`` (refits on resamples, matched by their documents),
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
from .protocol import OURS, OURS_LIFT_ONLY, Comparison, compare_models, halves
from .ranking import GROUP_BY, RANKED_BY, rank_runs
from .stability import REAPPEAR, STABLE_SHARE, Stability, document_jaccard, stability, word_overlap

__all__ = [
    "CV_WINDOW", "LDA_ITERATIONS", "NPMI_WINDOW", "OURS", "OURS_LIFT_ONLY", "GROUP_BY", "RANKED_BY", "REAPPEAR",
    "STABLE_SHARE", "TOP_N", "Comparison", "Evaluation", "Scores", "Stability", "WindowCounts", "baseline_topics",
    "compare_models", "count_windows", "cv_coherence", "diversity", "document_jaccard", "evaluate", "halves",
    "npmi_coherence", "rank_runs", "score_topics", "single_words", "stability", "tokenize", "want_baselines",
    "word_overlap",
]
