"""How the coverage differs: the topics' shares by any metadata column and over time, with their uncertainty.

Inside: ``groups`` (topic prevalence per group with intervals, a test of whether the mix differs, what each group says
differently inside the same topic, its words in ``words``) and ``time`` (a period fitted to the corpus, shares per
period with intervals, words per period, notable changes), both on the statistics of ``stats``. Tables only: the
charts are in ``figures``.
"""
