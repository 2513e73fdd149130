"""The music21 corpus source: reserved evaluation folders never reach training data."""

from __future__ import annotations

import numpy as np

from frontline.music.synth.corpus import (
    RESERVED,
    _measures_xml,
    corpus_page_source,
    eval_corpus_paths,
    exclude_reserved,
    is_reserved,
    split_abc_tunes,
    training_corpus_paths,
)


def test_is_reserved_by_folder() -> None:
    assert is_reserved("beethoven/opus18no1/movement1.mxl")
    assert is_reserved("Mozart/k80/movement1.mxl")
    assert is_reserved("/x/music21/corpus/schumann_clara/opus17/movement3.xml")
    assert is_reserved("joplin")
    assert not is_reserved("bach/bwv66.6.mxl")
    assert not is_reserved("ryansMammoth/beethoven_tune.abc")  # a file name is not a folder
    assert exclude_reserved(["haydn/a.mxl", "bach/b.mxl", "schubert/c.xml"]) == ["bach/b.mxl"]


def test_training_and_eval_paths_partition_the_corpus() -> None:
    train = training_corpus_paths()
    ev = eval_corpus_paths()
    assert train and ev
    assert not any(is_reserved(p) for p in train)
    assert all(is_reserved(p) for p in ev)
    assert not set(train) & set(ev)
    folders = {p.split("/")[0] for p in ev}
    assert folders <= set(RESERVED)


def test_split_abc_on_x_lines() -> None:
    text = "%comment\nX:1\nT:One\nK:C\nCDEF|\n\nX:2\nT:Two\nK:G\nGABc|\n"
    tunes = split_abc_tunes(text)
    assert len(tunes) == 2
    assert tunes[0].startswith("X:1") and "T:One" in tunes[0]
    assert tunes[1].startswith("X:2") and "GABc" in tunes[1]


def test_training_draws_never_reserved() -> None:
    for seed in range(12):
        src = corpus_page_source(np.random.default_rng(seed))
        name = src[0] if isinstance(src, tuple) else src.name
        assert not is_reserved(name.removeprefix("corpus:"))


def test_eval_pages_come_only_from_reserved_folders() -> None:
    from frontline.music.synth.page import PageConfig, eval_pages

    pages = list(eval_pages(1, seed=2, config=PageConfig(dpi=40)))
    assert len(pages) == 1
    assert is_reserved(pages[0].meta["source"].removeprefix("corpus:"))


def test_page_musicxml_shows_the_accidentals_the_key_calls_for() -> None:
    # Humdrum pitches are absolute: in this Palestrina piece (one flat) four B naturals were parsed
    # with no accidental object and engraved as plain Bs, which read as B flats
    from frontline.music.synth.corpus import _parse

    xml = _measures_xml(_parse("palestrina/Benedictus_78.krn"), 16, 13)
    assert xml.count("<fifths>-1</fifths>") >= 1
    assert xml.count("<accidental>natural</accidental>") == 4
