"""Ingestion on the real seeds and on small fixtures of each input format and failure mode."""
import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, SEEDS

from newstopics import corpus as C
from newstopics.text import estimate_tokens, split_to_fit

SHARED_SEEDS = SEEDS.parent.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def seeds():
    return C.load_corpus(SEEDS)


def test_seed_files_are_the_given_articles_unchanged():
    files = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(files) == 5
    if SHARED_SEEDS.is_dir():
        for name in files:
            assert (SEEDS / name).read_bytes() == (SHARED_SEEDS / name).read_bytes()


def test_seed_metadata_is_read(seeds):
    arts = seeds.articles_table().set_index("article_id")
    assert arts.loc["000_a1bbf47d87e3effc.txt", "published"] == "2026-02-26"
    assert arts.loc["000_a1bbf47d87e3effc.txt", "source"] == "theconversation.com"
    assert arts.loc["001_9b69ef394eaf3add.txt", "author"] == "Shameer"
    assert arts.loc["001_9b69ef394eaf3add.txt", "published"] == "2026-01-29"
    assert arts.loc["003_394bc3226b01ef41.txt", "title"] == "Chinese AI Models Are Closing the Gap With US Tech Giants"
    assert arts.loc["004_cf8bdfc681ce0cf9.txt", "published"] == ""  # the 2022 date in its footer is not its date


def test_metadata_read_from_text_matches_the_manifest(tmp_path):
    """Without the manifest, header lines and bylines give the same titles and dates."""
    for p in SEEDS.glob("*.txt"):
        shutil.copy(p, tmp_path / p.name)
    bare = C.load_corpus(tmp_path).articles_table().set_index("article_id")
    manifest = pd.read_csv(SEEDS / "manifest.csv", dtype=str, keep_default_na=False).set_index("file")
    for aid, row in manifest.iterrows():
        assert bare.loc[aid, "title"] == row["title"]
        assert bare.loc[aid, "published"] == row["published"]


def test_seed_boilerplate_is_removed_and_audited(seeds):
    audit = seeds.audit
    removed = set(audit["text"])
    for line in [
        "The text continues below the video",
        "Back to blog",
        "News·4 min read·644 words",
        "Get started",
        "Related articles",
        "#ai#china#technology#global competition",
        "4 Best Membership WordPress Plugins",
        "Read Also",
    ]:
        assert line in removed, line
    assert any(t.startswith("See also:") for t in removed)
    docs = " ".join(seeds.documents["text"])
    for gone in ["WordPress", "Pay with crypto", "continues below the video", "min read", "See also"]:
        assert gone not in docs, gone
    # reporting survives
    assert "Pinterest" in docs and "Qwen" in docs and "export" in docs
    assert set(audit.columns) == {"article_id", "line_no", "rule", "text"}
    assert audit["rule"].notna().all()


def test_seed_documents_are_paragraphs_within_the_window(seeds, packaged_embedder):
    d = seeds.documents
    assert 120 <= len(d) <= 170
    assert d["doc_id"].tolist() == list(range(len(d)))
    assert d["article_id"].nunique() == 5
    assert (d["n_words"] >= 8).all()  # headings and list items were merged into their neighbours
    budget = packaged_embedder.max_tokens
    long = C.load_corpus(SEEDS, doc_unit="paragraph", max_tokens=budget, count_tokens=packaged_embedder.count_tokens)
    assert max(packaged_embedder.count_tokens(t) for t in long.documents["text"]) <= budget


def test_doc_units(seeds):
    art = C.load_corpus(SEEDS, doc_unit="article", min_documents=1)
    sent = C.load_corpus(SEEDS, doc_unit="sentence")
    assert len(art.documents) == 5
    assert len(sent.documents) > len(seeds.documents)


def test_hard_wrapped_text_becomes_paragraphs():
    c = C.load_corpus(FIXTURES / "messy", min_documents=1)
    wire = c.documents[c.documents["article_id"] == "wire_chips.txt"]["text"].tolist()
    assert len(wire) == 3  # three paragraphs: blank line, blank line, indented start
    assert wire[0].startswith("The United States is preparing new limits")
    assert "curbs that have already forced Nvidia" in wire[0]  # lines re-joined
    assert wire[2].startswith("Shares of chip equipment makers")
    art = c.articles_table().set_index("article_id").loc["wire_chips.txt"]
    assert art["published"] == "2026-03-03" and art["source"] == "Wire"
    assert "credit-line" in set(c.audit["rule"])


def test_one_paragraph_per_line_is_not_joined():
    lines = [
        "This is a complete paragraph that ends properly and is long enough to matter here.",
        "Another paragraph follows on the next line, as in the seed articles, ending with a stop.",
    ] * 3
    assert not C.is_hard_wrapped(lines)


def test_html_page_reduced_to_main_text():
    c = C.load_corpus(FIXTURES / "messy", min_documents=1)
    art = c.articles_table().set_index("article_id").loc["qwen_page.html"]
    assert (art["title"], art["published"], art["source"], art["author"]) == (
        "Qwen tops open model downloads",
        "2026-05-14",
        "Example Tech News",
        "Li Wei",
    )
    text = " ".join(c.documents[c.documents["article_id"] == "qwen_page.html"]["text"])
    assert "overtaken Meta's Llama" in text
    for nav in ["Home", "Subscribe", "Ten best laptops", "Copyright"]:
        assert nav not in text


def test_failure_modes_are_skipped_with_reasons():
    c = C.load_corpus(FIXTURES / "messy", min_documents=1)
    reasons = {s["item"]: s["reason"] for s in c.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary_blob.txt"].startswith("binary file")
    assert reasons["promo_only.txt"].startswith("nothing left after cleaning")
    assert reasons["notes.docx"].startswith("not an article file")
    assert "cp1252" in reasons["latin1_kimi.txt"] or "latin" in reasons["latin1_kimi.txt"]
    kimi = " ".join(c.documents[c.documents["article_id"] == "latin1_kimi.txt"]["text"])
    assert "modèle Kimi de Moonshot coûte" in kimi  # decoded right, not mojibake
    assert {i["file"] for i in c.inputs} >= {"empty.txt", "qwen_page.html", "wire_chips.txt"}
    for i in c.inputs:
        assert i["sha256"] == hashlib.sha256((FIXTURES / "messy" / i["file"]).read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["articles.csv", "articles.jsonl"])
def test_tables_with_metadata(name):
    c = C.load_corpus(FIXTURES / name, min_documents=1)
    arts = c.articles_table()
    assert arts["title"].tolist() == ["DeepSeek cuts prices again", "Senators question Chinese AI apps"]
    assert arts["published"].tolist() == ["2026-03-12", "2026-03-14"]
    assert arts["source"].tolist() == ["Example Daily", "Example Post"]
    assert set(c.documents.columns) >= {"doc_id", "article_id", "text", "title", "published", "source"}


def test_parquet_table(tmp_path):
    df = pd.read_csv(FIXTURES / "articles.csv", dtype=str, keep_default_na=False)
    df.to_parquet(tmp_path / "a.parquet")
    c = C.load_corpus(tmp_path / "a.parquet", min_documents=1)
    assert c.articles_table()["article_id"].tolist() == ["a1", "a2"]
    assert c.skipped == [{"item": "a3", "reason": "empty text"}]


def test_table_without_text_column_says_which_columns_it_needs(tmp_path):
    (tmp_path / "t.csv").write_text("headline,date\nA,2026-01-01\n")
    with pytest.raises(C.CorpusError, match="no text column.*text, body, content"):
        C.load_corpus(tmp_path / "t.csv")


def test_empty_folder_and_nothing_usable(tmp_path):
    with pytest.raises(C.CorpusError, match="no usable articles"):
        C.load_corpus(tmp_path)
    (tmp_path / "e.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(C.CorpusError, match=r"empty file.*|binary"):
        C.load_corpus(tmp_path)


def test_too_small_corpus_stops_with_counts(tmp_path):
    (tmp_path / "one.txt").write_text("A title\n\nOne short paragraph about open models and their low prices today.\n")
    with pytest.raises(
        C.CorpusError, match=r"too small to model: 1 file\(s\) read, 1 usable article\(s\), 1 document\(s\)"
    ):
        C.load_corpus(tmp_path)


def test_missing_corpus():
    with pytest.raises(C.CorpusError, match="does not exist"):
        C.load_corpus("/no/such/corpus")


def test_shingles_made_together_are_each_texts_own():
    """MinHash signatures are made from many texts' shingles at once: the same shingles as each text's own, for texts
    longer and shorter than a shingle, and the near-duplicates found whatever the texts' lengths."""
    from newstopics.corpus import dedupe

    texts = [t.split() for t in ["chips export rules tighten again this week", "a b", "one", "x y z",
                                 "open weight models are cheap and popular with developers"]]
    for group in (texts, [t for t in texts if len(t) >= 3]):
        every, starts = dedupe._batch_shingles(group)
        ends = np.r_[starts[1:], len(every)]
        assert [set(every[s:e].tolist()) for s, e in zip(starts, ends, strict=True)] == \
            [set(dedupe._shingles(t).tolist()) for t in group]
    base = "open weight models from china are cheap and widely used by developers in many countries now"
    found = dedupe.find_duplicates([base, "a b", base.replace("now", "today"), "a b", "x"], min_words=1)
    assert [(d, k) for d, k, _ in found] == [(2, 0), (3, 1)] and found[1][2] == 1.0


def test_exact_and_near_duplicates_dropped(tmp_path):
    para = ("Chinese laboratories released open-weight models that companies can download, fine-tune and run on their "
            "own servers at low cost.")
    near = para.replace("at low cost", "at a low cost")
    other = (
        "Lawmakers in Washington asked for new export controls on advanced chips and on the tools used to make them."
    )
    (tmp_path / "a.txt").write_text(f"Story A\n\n{para}\n\n{other}\n")
    (tmp_path / "b.txt").write_text(
        f"Story B\n\n{para}\n\nSomething else entirely different is said here by an analyst today.\n"
    )
    (tmp_path / "c.txt").write_text(
        f"Story C\n\n{near}\n\nA third article adds its own reporting on prices and adoption.\n"
    )
    c = C.load_corpus(tmp_path, min_documents=1)
    assert len(c.duplicates) == 2
    assert sorted(c.duplicates["similarity"]) == [0.75, 1.0]
    assert c.documents["text"].str.contains("open-weight models").sum() == 1


def test_split_to_fit_never_drops_text():
    text = " ".join(f"Sentence number {i} talks about chips, prices and open models in some detail." for i in range(80))
    pieces = split_to_fit(text, 60)
    assert all(estimate_tokens(p) <= 60 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    monster = "word " * 500
    assert " ".join(split_to_fit(monster, 50)).split() == monster.split()


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("2026-02-26 14:10:00", "2026-02-26"),
        ("January 29, 2026", "2026-01-29"),
        ("29 Jan 2026", "2026-01-29"),
        ("Jun 13, 2022", "2022-06-13"),
        ("8:15 pm", ""),
        ("Monday", ""),
        ("2024", ""),  # a year is no day
        ("© 2024", ""),
        ("Spring 2024", ""),
        ("2024–03–15", ""),  # the parser drops a year between en dashes: no date, not year 2000 or this year
        ("March 2024", "2024-03-01"),  # its first day, not today's day of March
        ("2005-01-03", "2005-01-03"),
        ("2005-02-30", ""),
        ("", ""),
    ],
)
def test_parse_date(raw, iso):
    assert C.parse_date(raw) == iso


def test_the_compiled_language_walk_gives_py3langid_s_own_answers():
    """Large corpora detect languages with the compiled walk: the same (language, confidence) to the last bit."""
    from newstopics.corpus import language as L

    texts = [p.read_text(errors="replace") for p in sorted(SEEDS.glob("*.txt")) + sorted(FIXTURES.rglob("*"))
             if p.is_file() and p.suffix in (".md", ".txt", ".html", ".csv")]
    texts += ["Les modèles chinois à poids ouverts sont bon marché et populaires auprès des développeurs.",
              "Die chinesischen Modelle sind billig, offen und bei Entwicklern beliebt.",
              "中国的开源模型很便宜，也很受欢迎。",
              "Модели с открытыми весами дешёвые.", "", "a", "1234 5678", "AI AI AI AI"]
    texts += [t[i:i + 300] for t in texts[:5] for i in range(0, 3000, 300)]  # paragraph-sized pieces
    compiled = L._load_compiled()
    assert type(compiled) is not type(L._load())  # the compiled walk is in use here
    expected = [L._load().classify(text[:L.SAMPLE_CHARACTERS]) for text in texts]
    assert [compiled.classify(text[:L.SAMPLE_CHARACTERS]) for text in texts] == expected
    # four threads at once (a Dask worker with several threads): the walk runs without the GIL, on its own scratch
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            assert list(pool.map(lambda t: compiled.classify(t[:L.SAMPLE_CHARACTERS]), texts * 4)) == expected * 4


def _seed_table(tmp_path):
    """The seed articles as a table with an empty row and an HTML one: what a large corpus usually comes as."""
    rows = [{"id": p.name, "text": p.read_text(encoding="utf-8"), "source": f"s{i % 2}"}
            for i, p in enumerate(sorted(SEEDS.glob("*.txt")))]
    rows += [{"id": "blank", "text": "  ", "source": "s0"},
             {"id": "page", "text": "<html><body><p>" + rows[0]["text"].replace("\n\n", "</p><p>") + "</p></body>"
                                    "</html>", "source": ""}]
    pd.DataFrame(rows).to_csv(tmp_path / "seeds.csv", index=False)
    return tmp_path / "seeds.csv"


@pytest.mark.parametrize("kind", ["folder", "table"])
def test_a_large_corpus_read_in_two_processes_gives_what_one_process_gives(monkeypatch, tmp_path, kind):
    from newstopics.corpus import load as L

    path = FIXTURES / "messy" if kind == "folder" else _seed_table(tmp_path)
    one = C.load_corpus(path, min_documents=1)
    monkeypatch.setattr(L, "PARTITION", 2)  # the few articles span several partitions, as 100,000 would
    two = C.load_corpus(path, min_documents=1)
    pd.testing.assert_frame_equal(two.documents, one.documents)
    pd.testing.assert_frame_equal(two.audit, one.audit)
    pd.testing.assert_frame_equal(two.articles, one.articles)
    assert two.skipped == one.skipped and len(one.articles) >= 3
    from newstopics import speedups

    assert speedups.NOTES["corpus_processes"].endswith("partitions in 2 forked processes")  # the pool really ran


def test_a_table_in_another_encoding_is_read_with_its_text_intact(tmp_path):
    rows = "id,text\n" + "".join(f'{i},"Caf\u00e9 prices rose in the city again, line {i}.\n\nA second part {i}."\n'
                                  for i in range(3))
    (tmp_path / "cp.csv").write_bytes(rows.encode("cp1252"))
    (tmp_path / "utf8.csv").write_bytes(rows.encode("utf-8"))
    cp = C.load_corpus(tmp_path / "cp.csv", min_documents=1).documents
    utf8 = C.load_corpus(tmp_path / "utf8.csv", min_documents=1).documents
    assert cp["text"].tolist() == utf8["text"].tolist() and "Caf\u00e9 prices" in cp["text"].iloc[0]
    assert not cp["text"].str.contains("\ufeff").any()


def test_a_large_table_with_line_breaks_in_its_cells_is_read_by_arrow(tmp_path, monkeypatch):
    # larger than one block of Arrow's parser (1 MiB), which rejects a quoted line break unless told to expect them
    from newstopics.corpus.readers import _parse_csv

    rows = "".join(f'{i:05d},"Kimi\'s price fell, report {i}.\nSecond line, ""quoted"" {i}.",wire{i % 3}\n'
                   for i in range(40_000))
    path = tmp_path / "big.csv"
    path.write_text("\ufeffid,text,source\n" + rows, encoding="utf-8")
    assert path.stat().st_size > 2 * 1024 * 1024
    expected = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")

    def pandas_parser(*args, **kwargs):  # the slower fallback must not be needed
        raise AssertionError("pandas' parser was used")

    monkeypatch.setattr(pd, "read_csv", pandas_parser)
    table = _parse_csv(path)
    pd.testing.assert_frame_equal(table, expected)
    assert table["id"].iloc[7] == "00007"
    assert table["text"].iloc[5] == 'Kimi\'s price fell, report 5.\nSecond line, "quoted" 5.'


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_every_other_column_of_a_table_is_kept_as_document_metadata(tmp_path, suffix):
    table = pd.DataFrame({
        "id": ["a1", "a2", "a3"],
        "body": ["Chip export rules tightened again this week for every lab.\n\nA second paragraph on prices.",
                 "Open models from Qwen and Kimi gained users among startups.", ""],
        "outlet": ["Daily", "Post", "Daily"], "Section": ["tech", "policy", "tech"], "topic": ["x", "y", "z"],
        "views": [10, None, 3],
    })
    path = tmp_path / f"t{suffix}"
    {".csv": lambda p: table.to_csv(p, index=False), ".jsonl": lambda p: table.to_json(p, orient="records", lines=True),
     ".parquet": lambda p: table.to_parquet(p)}[suffix](path)
    c = C.load_corpus(path, min_documents=1)
    assert c.extra_columns == ["Section", "meta_topic", "views"]  # `topic` is the model's: kept under another name
    docs = c.documents.set_index("article_id")
    assert docs.loc[["a1"], "Section"].unique().tolist() == ["tech"] and docs.loc[["a2"], "Section"].tolist() == [
        "policy"]
    assert docs.loc[["a2"], "views"].tolist() == [""] and docs.loc[["a1"], "views"].iloc[0] in ("10", "10.0")
    assert docs.loc[["a1"], "source"].unique().tolist() == ["Daily"]  # `outlet` is the source, not an extra
    assert c.articles_table().set_index("article_id").at["a2", "meta_topic"] == "y"
    assert c.summary()["metadata_columns"] == c.extra_columns


def test_a_manifest_keeps_its_other_columns_too(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "s")
    manifest = pd.read_csv(tmp_path / "s" / "manifest.csv", dtype=str, keep_default_na=False)
    manifest["desk"] = [f"desk {i % 2}" for i in range(len(manifest))]
    manifest.to_csv(tmp_path / "s" / "manifest.csv", index=False)
    c = C.load_corpus(tmp_path / "s")
    assert "desk" in c.extra_columns
    by_file = dict(zip(manifest.iloc[:, 0], manifest["desk"], strict=True))
    for article_id, desk in c.documents[["article_id", "desk"]].drop_duplicates().itertuples(index=False):
        assert by_file.get(article_id, by_file.get(article_id.rsplit("/", 1)[-1])) == desk
