"""newstopics: topic reports on news coverage with BERTopic, offline and audited.

Modules, in the order data flows: params -> corpus -> embeddings -> modeling
-> figures -> runs/report; cli ties them together for the command line.
"""
__version__ = "0.1.0"
