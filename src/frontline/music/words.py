"""Text directions: find the words printed above and below the staves (tempo and expression marks such as
"Allegro", "dolce", "poco rit."), read them with the lyrics' OCR recogniser and write them to the measures.

Data flow per page: the page (a tilted one turned upright into its staves' frame, as for the lyrics) with
the ink of the music symbols the assembly used masked out -> for each
staff, the bands above its top line and below its bottom line -> text lines (runs of inked rows of text
height) -> words (`lyrics.ink_pieces`) grouped into phrases (words closer than `phrase_gap` line heights)
-> each phrase cut out as a strip and read by the PP-OCRv4 recogniser of `lyrics.recognise_strips` (the
same lazily loaded model) -> a phrase is kept only when read confidently and it looks like a direction
(enough letters, digits only as words of their own, not a dynamic mark, not a lyric line) ->
`Direction(kind="words")` on the staff it is nearest to (above or below it), in the measure under its left
edge, at the onset of the note or rest its left edge is nearest to (Verovio left-aligns a direction with
its note).

A wrong word costs as many edits as it has characters (musicdiff counts a text direction one symbol per
character), so the reader is conservative: it prefers to miss a word than to invent one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from frontline.music.assemble import Assembly
from frontline.music.lyrics import (
    InkPiece,
    LyricLine,
    LyricsConfig,
    StripReader,
    Syllable,
    attach,
    blank_boxes,
    ctc_log_likelihood,
    ink_pieces,
    recognise_strips,
    text_labels,
    text_rows,
    upright_page,
)
from frontline.music.records import Chord, Direction, Glyph, Measure, Note, Part, Rest, Score, Staff, System

__all__ = [
    "Phrase",
    "WordsConfig",
    "is_direction_text",
    "lexicon_text",
    "phrases",
    "read_part_names",
    "read_phrases",
    "read_words",
]

# symbols masked before looking for text: what the assembly made notes and rests of, line-like or header
# symbols, and dynamic letters (a "pp" under a word would join its text line). Other detections stay: the
# detector reports letters of words as articulations, "dynamicText", accidentals or ornaments (dev pages:
# never as a dynamic letter), and erasing them would cut the words.
_MASKED = (
    "stem", "beam", "flag", "barline", "systemicBarline", "legerLine", "clef", "key", "timeSig", "notehead",
    "rest", "accidental", "augmentationDot", "tie", "dynamicCrescendo", "dynamicDiminuendo", "lyric",
    "brace", "bracket", "dynamicF", "dynamicM", "dynamicP", "dynamicR", "dynamicS", "dynamicZ",
)  # fmt: skip
_SHORT = frozenset(
    {"rit.", "dim.", "ten.", "leg.", "rall.", "poco", "meno", "più", "con", "sost.", "rit", "dim"}
)
"""Directions with fewer letters than `min_letters` that are still read (common abbreviations)."""
_DYNAMIC = re.compile(r"(?:s?f+z?|p+|m[pf]|fp|r?fz|sfp|tr)")  # marks (and trills) read as letters
_DYNAMICS_RUN = re.compile(r"(?:s?f+z?|p+|m[pf]|fp|r?fz|sfp)+")  # one or more marks run together
_LEXICON_WORDS = (
    "pizz.", "arco", "cresc.", "crescendo", "dim.", "diminuendo", "decresc.", "decrescendo", "dolce",
    "dolciss.", "dolcissimo", "espress.", "espressivo", "rit.", "ritard.", "ritardando", "riten.", "rall.",
    "rallentando", "accel.", "accelerando", "a", "tempo", "sempre", "poco", "molto", "più", "meno", "sotto",
    "voce", "mezza", "mezzo", "smorz.", "smorzando", "ten.", "legato", "leggiero", "marcato", "sostenuto",
    "tranquillo", "morendo", "calando", "perdendosi", "con", "sord.", "senza", "sul", "pont.", "ponticello",
    "tasto", "col", "legno", "unis.", "div.", "divisi", "solo", "soli", "tutti", "simile", "sim.", "stacc.",
    "staccato", "cantabile", "grazioso", "animato", "agitato", "assai", "ma", "non", "troppo", "rinf.",
    "rinforzando", "sforzando", "Allegro", "Allegretto", "Andante", "Andantino", "Adagio", "Presto",
    "Prestissimo", "Largo", "Larghetto", "Lento", "Moderato", "Vivace", "Maestoso", "Menuetto", "Trio",
    "Fine", "Coda", "brio", "moto", "mosso", "Grave", "Scherzo", "scherzando", "Rondo", "Finale",
    "Minuetto", "vivo", "mesto", "giocoso", "risoluto", "appassionato", "affettuoso", "fuoco", "energico",
    "pesante", "semplice", "tenuto", "stringendo", "ritenuto", "subito", "quasi", "tanto", "un", "e", "ed",
    "di", "del", "il", "primo", "spiritoso", "giusto", "largamente", "allargando", "rubato", "comodo",
    "attacca", "lusingando", "teneramente", "espr.",
)  # fmt: skip
_LEXICON = {w.lower(): w for w in _LEXICON_WORDS}
_LEXICON_PHRASES = (
    "a tempo", "sotto voce", "mezza voce", "poco a poco", "poco a poco cresc.", "con sord.", "senza sord.",
    "sul pont.", "col legno", "ma non troppo", "sempre pp", "poco rit.", "più mosso", "meno mosso",
)  # fmt: skip
"""Phrases of several lexicon words read whole by `WordsConfig.lexicon_ctc`."""
"""Words of string-quartet and classical directions (and, since session 20, the common Italian tempo and
character words of classical movements: "Allegro con brio", "Andante con moto", "Tempo di Minuetto"),
lower case -> spelling: a read one letter off is a misread of them (italic "pizz." read "piZZ." or
"DIZZ.", "espress." read "esress.")."""


@dataclass(frozen=True, slots=True)
class WordsConfig:
    """How text directions are found, read and placed (lengths in staff spaces unless said otherwise)."""

    above_spaces: float = 5.0
    """How far above a staff's top line directions are looked for (less if the staff above is nearer)."""
    below_spaces: float = 9.0
    """How far below a staff's bottom line directions are looked for (less if the next staff is nearer).
    5 until session 13: Verovio sets a direction under a part's low notes (a cello's ledger lines) or
    under its dynamics and hairpins, often more than 5 spaces down, and it was never read (oracle with
    words: quartet dev pages 372 -> 293 edits, 7: 319; held-out quartet pages 394 -> 319; dev A w/o
    lyrics 350 -> 340; above_spaces 7 too: no better)."""
    gap_spaces: float = 0.4
    """Margin kept free of the staff's outer lines."""
    ink_threshold: int = 128
    """Grey value below which a pixel is ink."""
    min_row_ink: int = 2
    """Inked pixels a row needs to belong to a text line."""
    min_line_spaces: float = 0.8
    """Shortest text line (ascender to descender)."""
    max_line_spaces: float = 2.6
    """Tallest text line; taller runs of rows are not text."""
    word_gap: float = 0.2
    """A horizontal gap wider than this fraction of the line height separates two words."""
    phrase_gap: float = 1.0
    """A gap wider than this many line heights separates two phrases (two directions on one line)."""
    max_words: int = 12
    """A line with more words read than this is not directions (lyrics, a footer). 5 until session 12:
    a chorale's six-word direction was dropped (dev A with words, no lyrics read, OMR-NED w/o lyrics:
    oracle 397 -> 369 edits, detector 2527 -> 2499, that page only; with the lyrics read no lyric page
    changed)."""
    title_centre: float = 0.06
    """A phrase high above a page's top staff whose centre is this close (share of the page width) to the
    page's centre is a title, not a direction (so is a whole line centred so, spanning under 70% of the
    staff)."""
    title_gap_spaces: float = 2.5
    """Titles stand at least this far above the top staff (dev pages: 3.3-3.8 spaces; centred directions
    close above it, 0.5, are kept)."""
    max_pieces: int = 12
    """A line with more pieces of ink than this is not read (lyrics, a footer)."""
    max_phrases: int = 2
    """A line with more phrases read as text than this is not directions (lyrics), unless every phrase
    kept is lexicon words (`max_lexicon_phrases`)."""
    max_lexicon_phrases: int = 6
    """A line of up to this many phrases read as text is directions when every phrase kept is words of
    the lexicon (`lexicon_text`): a quartet part's line of "cresc." ... "dim." ... "dolce" was dropped
    (hand-built quartet page with 23 directions, oracle: 177 -> 40 edits with `lyric_lead`, 24 with the
    `lexicon` snapping too). Any line of up to 6 phrases let lyric words through on detector pages,
    where the lyrics are not masked (dev A detector with words, no lyrics read: +31 edits on three
    pages); gated so, dev A is unchanged but for the chorale page of `max_words`."""
    space_gap: float = 0.35
    """A gap between two words at least this many line heights wide is a space in the text (the
    recogniser sometimes reads none)."""
    min_letters: int = 4
    """Fewest letters a phrase needs (short reads are mostly symbols read as letters)."""
    lexicon: bool = True
    """Snap a phrase whose every word is a `_LEXICON` word or one letter off one (words of 4+ letters) to
    those words, and keep it read less surely (mean character probability at least `min_lexicon_prob`,
    no per-character minimum). On a hand-built quartet page "pizz." was read "piZZ." or "DIZZ." at mean
    probability 0.74-0.81 and dropped, and "espress." kept as "esress." (40 -> 24 edits); no dev A
    phrase changes."""
    lexicon_join: bool = True
    """With `lexicon`: a word that is no lexicon word joins the next when together they are one: a wide
    gap between two letters of "cresc." was read as a space ("poco a poco c resc.", dropped for its
    one-letter word; quartet dev pages)."""
    lexicon_ctc: bool = True
    """With `lexicon`: a phrase that is no lexicon word as read, but within `ctc_edits` edits of some
    (lexicon words of 4+ characters and the `_LEXICON_PHRASES`), is read as the one the recogniser's own
    probabilities spell likeliest (`ctc_log_likelihood`, summed over all alignments), when that is at
    most `ctc_gap` nats below the greedy reading and `ctc_margin` above the runner-up. Small italic
    words at 150 dpi: "dim." read "am.", "aim.", "lim." (dropped: "aim." is one letter off both "dim."
    and "sim."), "decresc." read "aecresc.", "pizz." read "pIZZ."."""
    skip_strokes: float = 4.0
    """A phrase box at least this many times as wide as tall whose ink is one or two connected pieces, one
    spanning `stroke_span` of its width, is a line (a slur, hairpin, beam or extender the masks missed)
    and is not read: on 8 detector-mode 300-dpi pages 85 of 179 phrase strips read as nothing, most of
    them such strokes (0: every box is read)."""
    stroke_span: float = 0.85
    """See `skip_strokes`."""
    ctc_edits: int = 2
    """Most character edits (case and spaces aside) between the greedy reading and a lexicon candidate."""
    ctc_gap: float = 12.0
    """Largest log-likelihood (nats) a lexicon reading may lie below the greedy one."""
    ctc_margin: float = 3.0
    """Least log-likelihood lead of the chosen lexicon reading over the next candidate."""
    min_lexicon_prob: float = 0.6
    """Least mean character probability of a phrase kept because its words snap to the lexicon."""
    digit_words: bool = True
    """Keep a phrase holding digits when each digit run is a word of its own (brackets and dots aside:
    "(6 x)") and it has at least three letters per digit; a word mixing letters and digits ("S1.") is a
    misread and drops it. Off: no digits at all. Dev A oracle with words, OMR-NED w/o lyrics 0.0081 ->
    0.0075: a chorale's "Du König (6 x)" and "Dein' göttlich Macht (6 x)" read (page 69 -> 31 edits),
    the only phrases with digit words on the 56 pages."""
    min_mean_prob: float = 0.9
    """Least mean character probability of a kept phrase."""
    min_char_prob: float = 0.4
    """Least probability of any character of a kept phrase."""
    onset_spaces: float = 4.0
    """Largest distance from a phrase's left edge to the note it is dated by; farther: the measure start."""
    onset_system: bool = True
    """Date a phrase by the nearest note or rest of any staff of its system in its measure, not only of
    its own staff: an engraver sets a direction at its time's column, which the other parts may mark
    where its own part holds a note (a "dim." on beat 3 over a half note from beat 2). The own staff's
    note wins unless the other lies more than 0.25 spaces nearer."""
    lyric_spaces: float = 0.6
    """A line whose words start, in the median, this close to note heads under several words is lyrics."""
    lyric_lead: float = 0.25
    """A line is lyrics by `lyric_spaces` only if its words start, in the median, at least this many
    spaces left of their heads' left edges: syllables are centred under their notes, while Verovio
    left-aligns a direction with its note (a quartet line "cresc." ... "dim." ... "dolce" was taken for
    lyrics; no dev A line reaches this test, see `max_phrases` for the numbers). 0 = off."""
    lexicon_lines: bool = True
    """A line whose phrases all read as lexicon words, one of them an abbreviation ("rit.") or of several
    words ("più mosso"), is directions whatever notes it starts under (`lyric_spaces`): a line "rit." ...
    "più mosso" ... "rit." ... "tempo primo" over a piano's upper staff started under the notes of the
    staff above and was dropped as lyrics."""
    part_names: bool = True
    """Also read the part names printed left of the first system and name the parts after them."""
    single_staff_names: bool = False
    """Name one-staff parts too. Off: the writer gives the name to the instrument as well, and music21
    then takes e.g. "Trumpet" or "Bb Clarinet" for a transposing instrument and reads other pitches and
    measures (dev pages: 5 -> 870 edits on one page); grand staves ("Piano", "MusicXML Part") are safe."""
    name_gap_spaces: float = 0.3
    """Margin kept free left of the staves (and their brace or bracket, masked) when reading part names."""
    strip_dynamics: bool = True
    """Drop the words of a phrase that are dynamics marks (`_without_dynamics`); off: "pp calando" kept
    whole, "mpfp" kept as a direction."""
    owner_by_clearance: bool = True
    """A text line between the staves of two parts of one system belongs to the staff whose ink (in the
    line's columns) comes closer to it (`_by_clearance`); off: to the staff whose lines are nearer
    (between systems, and between the staves of one part, always so: applied between systems, text
    above a system's top staff went to the bass below it)."""
    clearance_skip_own: bool = False
    """With `owner_by_clearance`, between two staves of which the upper carries no lyrics: ink running on
    from the text line's edge (its own descenders, cut off by the line's measured height) is not the
    other staff's: "dolce ... espressivo" under a quartet's first violin went to the second for the p's
    tails. (Under a sung staff, a direction below the lyrics belongs to the staff below: "sempre" over
    its "pp", whose tails touch.) Session 18: quartet development pages 303 -> 267 edits, others
    unchanged, but the benchmark's oracle row went 0.0247 -> 0.0252 with this and `above_content_spaces`
    (over every staff) on, so both were left off. Session 20, with `above_content_spaces` over each
    system's top staff only: oracle dev pages w/o lyrics, quartets 447 -> 318 (words without placement),
    698 -> 472 (words placed above), 271 -> 235, 243 -> 241; classical, piano, corpus, random and every
    detector set unchanged (of 257 phrases between two parts on the quartet sets, 49 went to the wrong
    part without it, most for the phrase's own "p" or "d" read as the chosen staff's ink). But the
    benchmark's oracle row went 0.0247 -> 0.0254 (detector clean 0.0577 -> 0.0586) with this and the
    session's other words changes on: the quartet dev sets' words are inserted by hand at random places,
    the benchmark's are the sources' own, and the classical and piano dev pages (real words) do not move
    with it. Off again."""
    above_content_spaces: float = 4.5
    """Directions are also looked for up to this far above the highest note head or ledger line over a
    staff (at most 12 spaces above it), when that reaches higher than `above_spaces`:
    Verovio sets a tempo mark over a first violin's high notes and it was never read ("Presto", "Allegro
    moderato" on quartet dev pages). 0: `above_spaces` only. Off in sessions 18-19 (with
    `clearance_skip_own`, over every staff, the benchmark's oracle row went 0.0247 -> 0.0252 in session
    18); since session 20 on for each system's top staff only (`content_top_staves`), phrases found so
    kept only as lexicon words (`far_lexicon_only`). Oracle dev pages w/o lyrics: quartets 285 -> 273,
    249 -> 243, 464 -> 447, 769 -> 698 (words placed above), piano 184 -> 176; classical, corpus and
    random unchanged; detector: piano 1189 -> 1181, the rest unchanged. 3.0: 278 / 243 / 464 / 698;
    over every staff: 479 (worse) on the 464 set, a word high over an inner part went to it."""
    content_top_staves: bool = True
    """`above_content_spaces` for each system's top staff only (where a tempo mark stands; over an inner
    part a high phrase is as likely the part above's)."""
    far_lexicon_only: bool = True
    """A phrase reaching farther than `above_spaces` above a staff where `above_content_spaces` applies
    (found over its high notes) is kept only when it reads as lexicon words (tempo and expression marks):
    the left half of a title line ("Sonata da Chiesa, No. I" of a centred title with its opus number) is
    no direction (classical dev page: 0 -> 21 edits without this)."""
    split_columns: bool = True
    """Look for text lines inside a run of inked rows too tall for one line within each cluster of its
    columns alone (`_line_spans`): two directions set at different heights were read as one run."""
    column_gap_spaces: float = 1.5
    """Least blank width (staff spaces) between two column clusters of `split_columns`."""
    ocr: LyricsConfig = LyricsConfig(min_char_prob=0.0)
    """Recogniser settings (height, batch, threads) shared with the lyrics reader."""
    skip_lyric_lines: bool = True
    """Do not read again the phrases on the lines the lyrics reader took for lyrics (`lyric_lines` of
    `read_words`): their syllables were OCRed one phrase at a time a second time, about 0.1 s a page of
    lyrics, to be dropped as the lyrics reader's words afterwards."""


@dataclass(frozen=True, slots=True)
class Phrase:
    """A read phrase: its box in page pixels, the page staff it belongs to, its side and its text."""

    x0: int
    y0: int
    x1: int
    y1: int
    staff: int
    placement: str
    text: str
    mean_prob: float
    min_prob: float


_Cand = tuple[int, int, int, int, int, str, tuple[tuple[int, int], ...]]  # x0, y0, x1, y1, staff, side, words

# --- pure helpers -------------------------------------------------------------------------------------


def is_direction_text(text: str, cfg: WordsConfig) -> bool:
    """Whether a read phrase can be a text direction: enough Latin letters, digits only as words of their
    own (`WordsConfig.digit_words`), no hyphens or other punctuation than . ' ( ) (lyrics carry , ; : ! ?
    and hyphens), not a dynamic mark or trill ("mf", "tr")."""
    t = text.strip()
    letters = sum(1 for c in t if c.isalpha() and unicodedata.name(c, "").startswith("LATIN"))
    if letters < cfg.min_letters and t.lower() not in _SHORT:
        return False
    digits = sum(1 for c in t if c.isdigit())
    if digits and not (
        cfg.digit_words
        and letters >= 3 * digits
        and all(w.strip(".'()").isdigit() for w in t.split() if any(c.isdigit() for c in w))
    ):
        return False
    if any(not (c.isalpha() or c.isdigit() or c in " .'()") for c in t):  # lyrics' , ; : ! ? and hyphens
        return False
    if any(c.isalpha() and not unicodedata.name(c, "").startswith("LATIN") for c in t):
        return False
    if any(len(w) == 1 and w.isalpha() and w.lower() not in "ae" for w in t.split()):  # broken up: "ch i o"
        return False
    return _DYNAMIC.fullmatch(t.strip(" .").lower()) is None


_PIU_READS = frozenset({"piu", "pi", "pu"})
"""Reads of "più" (the recogniser's alphabet has no "ù"): "più" where a lexicon word follows ("più mosso"
was read "pi mosso" and "pu mosso", and the line of directions it stood in was dropped as not all
lexicon words)."""


def _one_off(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by changing, adding or dropping at most one character."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


def _lexicon_word(w: str) -> str | None:
    """The `_LEXICON` word `w` reads as (see `lexicon_text`), or None."""
    low = w.lower()
    if low in _LEXICON:
        return w if w[1:] == w[1:].lower() else _LEXICON[low]
    if low.endswith(".") and low[:-1] in _LEXICON and not low[:-1].endswith("."):
        # a word closing its sentence ("Scherzo. Allegro"): the word with its full stop, not one off
        return w if w[1:] == w[1:].lower() else _LEXICON[low[:-1]] + "."
    near = [k for k in _LEXICON if len(k) >= 4 and _one_off(low, k)]
    return _LEXICON[near[0]] if len(near) == 1 else None


def lexicon_text(text: str, join: bool = True) -> str | None:
    """The phrase with each word replaced by the `_LEXICON` word it reads as (the same letters in any case,
    or one character off for words of at least 4 letters; a word in its own case stays as read unless its
    case is mixed inside, as in "piZZ."), or None when a word is no lexicon word. With `join` a word that
    is none joins the next when together they are one ("c resc." -> "cresc.": the space put in at a wide
    gap between two letters, `_spaced`)."""
    words = text.split()
    out = []
    i = 0
    while i < len(words):
        got = _lexicon_word(words[i])
        if got is None and join and i + 1 < len(words):
            got = _lexicon_word(words[i] + words[i + 1])
            if got is not None:
                i += 1
        if got is None and words[i].lower() in _PIU_READS and i + 1 < len(words):
            got = (
                ("Più" if words[i][0].isupper() else "più")
                if _lexicon_word(words[i + 1]) is not None
                else None
            )
        if got is None:
            return None
        out.append(got)
        i += 1
    return " ".join(out) if out else None


def _edits(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _ctc_lexicon(text: str, probs: np.ndarray, cfg: WordsConfig) -> str | None:
    """The lexicon word or phrase the recogniser's probabilities `probs` spell likeliest among those within
    `cfg.ctc_edits` edits of the greedy reading `text` (see `WordsConfig.lexicon_ctc`), or None."""
    bare = text.replace(" ", "").lower()
    if len(bare) < 2 or _DYNAMICS_RUN.fullmatch(bare.strip(".")) is not None:
        return None
    near = [
        w
        for w in (*(v for k, v in _LEXICON.items() if len(k) >= 4), *_LEXICON_PHRASES)
        if _edits(bare, w.replace(" ", "").lower()) <= min(cfg.ctc_edits, len(w) // 2)
    ]
    if not near:
        return None
    greedy = float(np.log(np.maximum(probs.max(axis=1), 1e-30)).sum())
    scored = sorted(
        ((ctc_log_likelihood(probs, lab) if (lab := text_labels(w)) else float("-inf"), w) for w in near),
        reverse=True,
    )
    best, word = scored[0]
    runner = scored[1][0] if len(scored) > 1 else float("-inf")
    if best < greedy - cfg.ctc_gap or best - runner < cfg.ctc_margin:
        return None
    return word


def _without_dynamics(text: str, words: Sequence[tuple[int, int]], x0: int) -> tuple[str, int]:
    """The phrase without its words that are dynamics marks ("pp calando" -> "calando", "mpfp" -> ""),
    and its left edge: the first kept word's when the words read match the ink words one to one.

    Why: a combined dynamics glyph is not masked (the detector names letters of words so), and one set
    just left of a direction joined its phrase ("pp calando", quartet dev pages)."""
    tokens = text.split()
    keep = [_DYNAMICS_RUN.fullmatch(t.strip(" .").lower()) is None for t in tokens]
    if all(keep):
        return text, x0
    first = keep.index(True) if any(keep) else 0
    if len(tokens) == len(words) and any(keep):
        x0 = words[first][0]
    return " ".join(t for t, k in zip(tokens, keep, strict=True) if k), x0


def _group(pieces: Sequence[InkPiece], gap: float) -> list[list[InkPiece]]:
    """Word pieces of a line grouped into phrases: neighbours closer than `gap` pixels join."""
    groups: list[list[InkPiece]] = []
    for p in pieces:
        if groups and p.x0 - groups[-1][-1].x1 <= gap:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def phrases(
    grey: np.ndarray,
    masked: np.ndarray,
    staves: Sequence[Staff],
    cfg: WordsConfig,
    grand: frozenset[tuple[int, int]] = frozenset(),
    neighbours: frozenset[tuple[int, int]] = frozenset(),
    sung: frozenset[int] = frozenset(),
    content_tops: dict[int, float] | None = None,
) -> list[_Cand]:
    """Candidate phrases of a page: (x0, y0, x1, y1, page staff, placement, (x0, x1) of each word), from
    the masked page.

    Each staff's band above (placement "above") and below ("below") is searched; a text line between two
    staves of a column belongs to the nearer one, or to the lower one ("above" it) when the two are the
    staves of one part (`grand`: (upper, lower) page staff indices; dev pages: 7 of 8 such texts are
    written above the lower staff); each line is taken once.
    """
    ink = masked < cfg.ink_threshold
    grey_ink = grey < cfg.ink_threshold
    apart = {(id(staves[a]), id(staves[b])) for a, b in neighbours - grand}  # `_by_clearance` decides
    content_tops = content_tops or {}
    own_skip = (
        {id(staves[a]) for a in range(len(staves)) if a not in sung} if cfg.clearance_skip_own else set()
    )
    h, w = grey.shape
    order = sorted(range(len(staves)), key=lambda s: staves[s].top)
    out: list[_Cand] = []
    seen_by: dict[int, list[tuple[int, int]]] = {}  # staff -> rows [y0, y1) of its two bands
    for s in order:
        st = staves[s]
        sp = st.staff_space_px
        same_col = [staves[t] for t in order if t != s and staves[t].x1 > st.x0 and staves[t].x0 < st.x1]
        reach = st.top - cfg.above_spaces * sp
        if s in content_tops and cfg.above_content_spaces > 0:  # over high notes: their margin further up
            reach = min(reach, max(content_tops[s] - cfg.above_content_spaces * sp, st.top - 12 * sp))
        above_lim = max([o.bottom for o in same_col if o.bottom < st.top] + [reach])
        below_lim = min([o.top for o in same_col if o.top > st.bottom] + [st.bottom + cfg.below_spaces * sp])
        seen_by[s] = [
            (int(max(0, above_lim + cfg.gap_spaces * sp)), int(st.top - cfg.gap_spaces * sp)),
            (int(st.bottom + cfg.gap_spaces * sp), int(min(h, below_lim - cfg.gap_spaces * sp))),
        ]
    for s in order:
        st = staves[s]
        sp = st.staff_space_px
        same_col = [staves[t] for t in order if t != s and staves[t].x1 > st.x0 and staves[t].x0 < st.x1]
        x0, x1 = max(0, int(st.x0)), min(w, int(st.x1 + sp))
        bands = (("above", *seen_by[s][0]), ("below", *seen_by[s][1]))
        for side, y0, y1 in bands:
            if y1 - y0 < cfg.min_line_spaces * sp or x1 <= x0:
                continue
            band = ink[y0:y1, x0:x1]
            for ry0, ry1, c0, c1 in _line_spans(band, sp, cfg):
                if ry1 - ry0 > cfg.max_line_spaces * sp:
                    continue
                up, down = side == "above" and ry0 == 0, side == "below" and ry1 == band.shape[0]
                ox = x0 + c0  # page x of the span's first column
                line_cols = ox + np.flatnonzero(band[ry0:ry1, c0:c1].any(axis=0))
                ey0, ey1 = _extend(ink, y0 + ry0, y0 + ry1, line_cols, cfg.min_row_ink, up, down)
                cy = (ey0 + ey1) / 2  # the line's middle, measured in full
                # a line between two staves belongs to the nearer one (the lower one of a grand staff)
                nearer = min([st, *same_col], key=lambda o: min(abs(cy - o.top), abs(cy - o.bottom)))
                owner, place = s, side
                if cfg.owner_by_clearance:
                    by_ink = _by_clearance(grey_ink, ey0, ey1, line_cols, [st, *same_col], apart, own_skip)
                    nearer = by_ink or nearer
                    if by_ink is not None and by_ink is not st:
                        # taken here unless the other staff's own band holds it (it takes it then)
                        k = next(t for t in order if staves[t] is by_ink)
                        if any(b0 <= cy < b1 for b0, b1 in seen_by[k]):
                            continue
                        owner, place, nearer = k, "below" if by_ink.bottom < cy else "above", st
                if nearer is not st:
                    continue
                pair = next(((a, b) for a, b in grand if staves[a].bottom < cy < staves[b].top), None)
                if pair is not None and s in pair:
                    owner, place = pair[1], "above"
                line = band[ry0:ry1, c0:c1]
                pieces = [p for p in ink_pieces(line, _rows_cfg(cfg)) if p.kind == "word"]
                if not pieces or len(pieces) > cfg.max_pieces:
                    continue
                top_staff = (
                    side == "above"
                    and not any(o.bottom < st.top for o in same_col)
                    and st.top - (y0 + ry1) >= cfg.title_gap_spaces * sp
                )
                # a line centred over the page's top staff, not spanning most of it, is a title
                big = [q for q in pieces if q.x1 - q.x0 >= 0.5 * (ry1 - ry0)] or pieces  # not specks
                lx0, lx1 = big[0].x0 + ox, big[-1].x1 + ox
                if top_staff and _centred(lx0, lx1, w, cfg) and lx1 - lx0 < 0.7 * (st.x1 - st.x0):
                    continue
                for grp in _group(pieces, cfg.phrase_gap * (ry1 - ry0)):
                    gx0, gx1 = grp[0].x0 + ox, grp[-1].x1 + ox
                    if top_staff and _centred(gx0, gx1, w, cfg):
                        continue
                    # a phrase cut by the band's far edge goes on beyond it: measured in full, and dropped
                    # if too tall for text (a title, music)
                    cols = gx0 + np.flatnonzero(line[:, gx0 - ox : gx1 - ox].any(axis=0))
                    ly0, ly1 = _extend(ink, y0 + ry0, y0 + ry1, cols, cfg.min_row_ink, up, down)
                    if ly1 - ly0 > cfg.max_line_spaces * sp:
                        continue
                    out.append((gx0, ly0, gx1, ly1, owner, place, tuple((q.x0 + ox, q.x1 + ox) for q in grp)))
    return out


def _by_clearance(
    ink: np.ndarray,
    y0: int,
    y1: int,
    cols: np.ndarray,
    staves: Sequence[Staff],
    apart: set[tuple[int, int]],
    skip_own: set[int] | frozenset[int] = frozenset(),
) -> Staff | None:
    """The staff a text line (rows [y0, y1), columns `cols`) between two staves of different parts of one
    system belongs to: the one whose ink in its columns (notes, marks, staff lines) comes closer, or None
    when the line is not between two such staves (`apart`: (id(upper), id(lower)) of those pairs).

    Why: Verovio sets a direction a fixed margin from its own staff's content (below the upper staff's
    lowest note, above the lower staff's highest), while the other staff's content may come closer to
    the staff lines; nearest staff lines put quartet directions on the wrong part (session 13).
    """
    if cols.size == 0:
        return None
    above = [o for o in staves if o.bottom < y0]
    below = [o for o in staves if o.top >= y1]
    if not above or not below:
        return None
    up, down = max(above, key=lambda o: o.bottom), min(below, key=lambda o: o.top)
    if (id(up), id(down)) not in apart:  # one part's staves, or two systems: staff lines decide
        return None
    seg_up: np.ndarray = np.asarray(ink[int(up.bottom) : y0][:, cols].any(axis=1))
    seg_down: np.ndarray = np.asarray(ink[y1 : int(down.top) + 1][:, cols].any(axis=1))
    if id(up) in skip_own:
        # rows of ink running on from the line's edge are its own ascenders and descenders (the tails
        # of "p" and "g" below the line measured): the other staff's ink starts after a blank row.
        # Not under a sung staff: there a direction under the lyrics belongs to the staff below, and
        # its own tails reach that staff's dynamics ("sempre" over "pp")
        seg_up = _after_own(seg_up[::-1], (y1 - y0) // 2)[::-1]
        seg_down = _after_own(seg_down, (y1 - y0) // 2)
    gap_up = len(seg_up) - 1 - int(np.flatnonzero(seg_up)[-1]) if seg_up.any() else len(seg_up)
    gap_down = int(np.flatnonzero(seg_down)[0]) if seg_down.any() else len(seg_down)
    return up if gap_up <= gap_down else down


def _system_tops(staves: Sequence[Staff], systems: Sequence[System]) -> frozenset[int]:
    """Page staff indices of each system's top staff."""
    return frozenset(staves.index(sy.staves[0]) for sy in systems if sy.staves and sy.staves[0] in staves)


def _content_tops(
    staves: Sequence[Staff], glyphs: Sequence[Glyph], only: frozenset[int] | None = None
) -> dict[int, float]:
    """Per staff (of `only`, if given) the top of the highest note head or ledger line over it (within 8
    spaces of its top line and below the staff above; detected ones scored 0.5 or more), where that lies
    above the staff."""
    out: dict[int, float] = {}
    for g in glyphs:
        if not g.class_name.startswith(_CONTENT) or g.score < 0.5:
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        for s, st in enumerate(staves):
            if only is not None and s not in only:
                continue
            if not (st.x0 <= cx <= st.x1) or not (st.top - 8 * st.staff_space_px <= cy < st.top):
                continue
            if any(o.x0 <= cx <= o.x1 and cy <= o.bottom < st.top for o in staves if o is not st):
                continue  # the staff above's ink
            out[s] = min(out.get(s, st.top), y0)
    return out


def _after_own(seg: np.ndarray, longest: int) -> np.ndarray:
    """`seg` (rows outward from a text line) with its leading run of inked rows cleared when a blank row
    ends it within `longest` rows (a longer run is ink the text touches: a staff line, a note)."""
    if not seg.size or not seg[0]:
        return seg
    blank = np.flatnonzero(~seg)
    if not blank.size or blank[0] > longest:
        return seg
    out = seg.copy()
    out[: blank[0]] = False
    return out


def _line_spans(band: np.ndarray, space: float, cfg: WordsConfig) -> list[tuple[int, int, int, int]]:
    """Text lines of a band as (y0, y1, x0, x1) in band pixels: `text_rows` over the band's full width,
    and (`WordsConfig.split_columns`) inside each run of inked rows too tall for one line, the lines of
    each cluster of its columns (columns apart by at least `column_gap_spaces` spaces) found alone.

    Why: Verovio sets two directions of one staff at different heights when they are close ("decresc."
    a little above "poco a poco cresc."); their rows overlap into one run taller than a text line and
    neither was read (session 13, quartet dev pages).
    """
    rcfg = _rows_cfg(cfg)
    out = [(y0, y1, 0, band.shape[1]) for y0, y1 in text_rows(band, space, rcfg)]
    if not cfg.split_columns:
        return out
    prof = band.sum(axis=1) >= cfg.min_row_ink
    edges = np.flatnonzero(np.diff(np.concatenate(([0], prof.astype(np.int8), [0]))))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a <= cfg.max_line_spaces * space:
            continue
        cols = np.flatnonzero(band[a:b].any(axis=0))
        if cols.size == 0:
            continue
        cuts = np.flatnonzero(np.diff(cols) > cfg.column_gap_spaces * space)
        starts = np.concatenate(([cols[0]], cols[cuts + 1]))
        ends = np.concatenate((cols[cuts], [cols[-1]])) + 1
        if len(starts) < 2:
            continue
        for c0, c1 in zip(starts, ends, strict=True):
            for y0, y1 in text_rows(band[a:b, c0:c1], space, rcfg):
                out.append((int(a + y0), int(a + y1), int(c0), int(c1)))
    return out


def _centred(x0: float, x1: float, width: int, cfg: WordsConfig) -> bool:
    """Whether [x0, x1) is centred on a page `width` pixels wide (within `title_centre` of the width)."""
    return abs((x0 + x1) / 2 - width / 2) < cfg.title_centre * width


def _extend(
    ink: np.ndarray, y0: int, y1: int, cols: np.ndarray, min_ink: int, up: bool, down: bool
) -> tuple[int, int]:
    """Rows [y0, y1) of a text line grown up (`up`) and down (`down`) while the rows next to it have ink
    in its columns."""
    while up and y0 > 0 and ink[y0 - 1, cols].sum() >= min_ink:
        y0 -= 1
    while down and y1 < ink.shape[0] and ink[y1, cols].sum() >= min_ink:
        y1 += 1
    return y0, y1


def _rows_cfg(cfg: WordsConfig) -> LyricsConfig:
    return replace(
        cfg.ocr,
        ink_threshold=cfg.ink_threshold,
        min_row_ink=cfg.min_row_ink,
        min_line_spaces=cfg.min_line_spaces,
        max_line_spaces=cfg.max_line_spaces,
        word_gap=cfg.word_gap,
        split_lines=0.0,  # rows of directions are not stacked verses: keep the reader's tested behaviour
    )


def _is_stroke(crop: np.ndarray, cfg: WordsConfig) -> bool:
    """Whether a phrase box holds one long stroke, not text (`WordsConfig.skip_strokes`)."""
    import cv2

    h, w = crop.shape[:2]
    if h == 0 or w < cfg.skip_strokes * h:
        return False
    ink = (crop < cfg.ink_threshold).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    widths = [int(stats[i, 2]) for i in range(1, n) if stats[i, 4] >= 3]
    return 0 < len(widths) <= 2 and max(widths) >= cfg.stroke_span * w


def _strip(masked: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """The phrase's pixels with white margins (the recogniser reads text with some room around it)."""
    crop = masked[y0:y1, x0:x1]
    hh = y1 - y0
    pad, vpad = _pad(hh), max(2, hh // 5)
    out = np.full((hh + 2 * vpad, crop.shape[1] + 2 * pad), 255, np.uint8)
    out[vpad : vpad + hh, pad : pad + crop.shape[1]] = crop
    return out


def _pad(height: int) -> int:
    """White margin left and right of a strip of a text line `height` pixels tall."""
    return max(3, height // 3)


def _spaced(
    chars: Sequence[tuple[str, float, float]],
    words: Sequence[tuple[int, int]],
    x0: int,
    height: int,
    gap: float,
) -> str:
    """The characters read in a phrase's strip as text, with a space put in at each gap between its words
    wider than `gap` line heights where the recogniser read none (it runs close words together)."""
    pad = _pad(height)
    out: list[str] = []
    k = 0
    gaps = [(a[1], b[0]) for a, b in zip(words, words[1:], strict=False) if b[0] - a[1] >= gap * height]
    for ch, x, _ in chars:
        page_x = x0 + x - pad
        while k < len(gaps) and page_x >= gaps[k][0] + 0.25 * (gaps[k][1] - gaps[k][0]):
            if ch != " " and out and out[-1] != " ":
                out.append(" ")
            k += 1
        out.append(ch)
    return "".join(out)


def _masked_page(grey: np.ndarray, glyphs: Sequence[Glyph], used: set[int]) -> np.ndarray:
    return blank_boxes(
        grey, [g.bbox_xyxy for g in glyphs if g.glyph_id in used or g.class_name.startswith(_MASKED)]
    )


# --- pages -------------------------------------------------------------------------------------------------

_Event = tuple[float, int, int, int, Fraction]  # head/rest left x, part, measure index, staff in part, onset


_Frame = tuple[np.ndarray | None, list[Glyph]]
_CONTENT = ("notehead", "legerLine")
"""Glyph classes whose height over a staff moves its directions up (`_content_tops`): heads and ledger
lines, not stems or marks (in a title a detector finds strokes, rarely heads)."""


def _frames(assembly: Assembly, pages: Sequence[np.ndarray]) -> list[_Frame]:
    """Per page its image and glyphs in the frame of the assembled staves (a tilted page turned upright,
    as the lyrics reader does)."""
    return [upright_page(lay, pages[i] if i < len(pages) else None) for i, lay in enumerate(assembly.pages)]


_Prepared = tuple[
    list[_Frame],
    tuple[dict[tuple[int, int], list[_Event]], dict[int, set[int]], dict[int, set[str]], dict[int, set[int]]],
]


def _prepare(assembly: Assembly, pages: Sequence[np.ndarray]) -> _Prepared:
    """`_frames` and their `_events`: the same for the part names, the phrases and their placing (made
    three times per page before, ~10 ms on a 300-dpi page)."""
    frames = _frames(assembly, pages)
    return frames, _events(assembly, frames)


def _events(
    assembly: Assembly, frames: Sequence[_Frame]
) -> tuple[
    dict[tuple[int, int], list[_Event]], dict[int, set[int]], dict[int, set[str]], dict[int, set[int]]
]:
    """Per (page, page staff) the notes and rests read there, per page the glyph ids they used, the
    lyric syllables on its notes (lower case, without punctuation) and the page staves whose notes carry
    lyrics; x from the glyphs of `frames`."""
    score = assembly.score
    page_of = {(r.part, r.number): r.page for r in assembly.measures}
    glyph_maps = [{g.glyph_id: g for g in glyphs} for _, glyphs in frames]
    mids = [[(st.top + st.bottom) / 2 for st in lay.staves] for lay in assembly.pages]  # staff centres
    out: dict[tuple[int, int], list[_Event]] = {}
    used: dict[int, set[int]] = {}
    sung: dict[int, set[str]] = {}
    sung_staves: dict[int, set[int]] = {}
    for pi, part in enumerate(score.parts):
        for mi, m in enumerate(part.measures):
            page = page_of.get((pi, m.number))
            if page is None or page >= len(assembly.pages) or not assembly.pages[page].staves:
                continue
            gmap, mid = glyph_maps[page], mids[page]
            for e in m.events:
                members: tuple[Note | Rest, ...] = e.notes if isinstance(e, Chord) else (e,)
                ids = [i for n in members for i in n.glyph_ids]
                used.setdefault(page, set()).update(ids)
                if isinstance(e, Chord):
                    if e.notes[0].grace:
                        continue
                elif isinstance(e, Note) and e.grace:
                    continue
                boxes = [
                    gmap[n.glyph_ids[0]].bbox_xyxy for n in members if n.glyph_ids and n.glyph_ids[0] in gmap
                ]
                if not boxes:
                    continue
                cy = sum((b[1] + b[3]) / 2 for b in boxes) / len(boxes)
                staff = min(range(len(mid)), key=lambda s: abs(mid[s] - cy))
                hx = min(b[0] for b in boxes)
                out.setdefault((page, staff), []).append((hx, pi, mi, e.staff, e.onset_q))
                for n in members:
                    if isinstance(n, Note):
                        sung.setdefault(page, set()).update(_bare(t) for _, _, t in n.lyrics)
                        if n.lyrics:
                            sung_staves.setdefault(page, set()).add(staff)
    return out, used, sung, sung_staves


def _direction_line(line: Sequence[Phrase], cfg: WordsConfig) -> bool:
    """Whether every phrase of a text line reads as lexicon words and one is an abbreviation or holds
    several words (see `WordsConfig.lexicon_lines`)."""
    lex = [lexicon_text(q.text, cfg.lexicon_join) for q in line]
    return all(t is not None for t in lex) and any(
        t is not None and (t.endswith(".") or len(t.split()) > 1) for t in lex
    )


def _on_line(p: _Cand, line: LyricLine) -> bool:
    """Whether a phrase lies on a lyric line: its middle row within the line's rows, its middle column
    within the line's columns."""
    cx, cy = (p[0] + p[2]) / 2, (p[1] + p[3]) / 2
    return line[2] <= cy <= line[4] and line[1] <= cx <= line[3]


def _is_lyric_line(xs: Sequence[float], heads: Sequence[float], space: float, cfg: WordsConfig) -> bool:
    """Whether the words of a line (their left x) are lyrics: several start where note heads expect syllables,
    left of the heads (`WordsConfig.lyric_lead`)."""
    if len(xs) < 2 or not heads:
        return False
    sylls = [Syllable(x, "") for x in xs]
    pairs = attach(sylls, heads, space, cfg.ocr)
    if len(pairs) < 2:
        return False
    offs = [
        abs(sylls[i].x - (heads[j] - cfg.ocr.head_offset_spaces * space)) / space for i, j in pairs.items()
    ]
    if float(np.median(offs)) > cfg.lyric_spaces:
        return False
    # syllables are centred under their notes, directions start at their note's left edge
    lead = [(heads[j] - sylls[i].x) / space for i, j in pairs.items()]
    return cfg.lyric_lead <= 0 or float(np.median(lead)) >= cfg.lyric_lead


def _grand_pairs(staves: Sequence[Staff], systems: Sequence[System]) -> frozenset[tuple[int, int]]:
    """(upper, lower) indices into `staves` of neighbouring staves that belong to one part of a system."""
    where = {id(st): k for k, st in enumerate(staves)}
    by_line = {st.line_ys: k for k, st in enumerate(staves)}
    out: set[tuple[int, int]] = set()
    for sy in systems:
        for idx in sy.part_staves:
            ks = [where.get(id(sy.staves[i]), by_line.get(sy.staves[i].line_ys, -1)) for i in idx]
            ks = sorted((k for k in ks if k >= 0), key=lambda k: staves[k].top)
            out.update(zip(ks, ks[1:], strict=False))
    return frozenset(out)


def _bare(text: str) -> str:
    """A word in lower case without punctuation or hyphens, for comparing reads with lyric syllables."""
    return "".join(c for c in text.lower() if c.isalnum())


def _system_pairs(staves: Sequence[Staff], systems: Sequence[System]) -> frozenset[tuple[int, int]]:
    """(upper, lower) indices into `staves` of neighbouring staves of one system (any parts)."""
    out: set[tuple[int, int]] = set()
    for members in set(_system_members(staves, systems).values()):
        ks = sorted(members, key=lambda k: staves[k].top)
        out.update(zip(ks, ks[1:], strict=False))
    return frozenset(out)


def _system_members(staves: Sequence[Staff], systems: Sequence[System]) -> dict[int, tuple[int, ...]]:
    """Per index into `staves`, the indices of every staff of its system."""
    where = {id(st): k for k, st in enumerate(staves)}
    by_line = {st.line_ys: k for k, st in enumerate(staves)}
    out: dict[int, tuple[int, ...]] = {}
    for sy in systems:
        ks = tuple(k for k in (where.get(id(st), by_line.get(st.line_ys, -1)) for st in sy.staves) if k >= 0)
        for k in ks:
            out[k] = ks
    return out


def _column_event(
    events: dict[tuple[int, int], list[_Event]],
    page: int,
    staff: int,
    members: dict[int, tuple[int, ...]],
    bbox: tuple[float, float, float, float],
    x: float,
) -> _Event | None:
    """The note or rest nearest `x` among the other staves of `staff`'s system, within the measure box's
    columns (its onset dates the same time in every part)."""
    best: _Event | None = None
    for t in members.get(staff, ()):
        if t == staff:
            continue
        for e in events.get((page, t), []):
            if bbox[0] <= e[0] < bbox[2] and (best is None or abs(e[0] - x) < abs(best[0] - x)):
                best = e
    return best


def _staff_above(staves: Sequence[Staff], s: int) -> int | None:
    """The nearest staff above page staff `s` in the same column of the page."""
    st = staves[s]
    above = [
        t
        for t in range(len(staves))
        if staves[t].bottom < st.top and staves[t].x1 > st.x0 and staves[t].x0 < st.x1
    ]
    return max(above, key=lambda t: staves[t].bottom) if above else None


def read_phrases(
    assembly: Assembly,
    pages: Sequence[np.ndarray],
    cfg: WordsConfig | None = None,
    reader: StripReader | None = None,
    lyric_lines: Sequence[LyricLine] = (),
    prepared: _Prepared | None = None,
) -> list[list[Phrase]]:
    """Per page the text directions read (before placing them in measures), kept ones only; phrases on
    `lyric_lines` (what the lyrics reader read) are not read again (`WordsConfig.skip_lyric_lines`).
    `prepared`: `_prepare`'s frames and events of these pages, when already made."""
    cfg = cfg or WordsConfig()
    reader = reader or recognise_strips
    frames, (events, used, sung, sung_staves) = prepared or _prepare(assembly, pages)
    cands: list[tuple[int, _Cand]] = []
    strips: list[np.ndarray] = []
    tops_of = [  # the staves where `above_content_spaces` applies (None: all)
        _system_tops(lay.staves, lay.systems) if cfg.content_top_staves else None for lay in assembly.pages
    ]
    for page, lay in enumerate(assembly.pages):
        grey, glyphs = frames[page]
        if grey is None or not lay.staves:
            continue
        masked = _masked_page(grey, glyphs, used.get(page, set()))
        found = phrases(
            grey,
            masked,
            lay.staves,
            cfg,
            _grand_pairs(lay.staves, lay.systems),
            _system_pairs(lay.staves, lay.systems),
            frozenset(sung_staves.get(page, set())),
            _content_tops(lay.staves, glyphs, tops_of[page]) if cfg.above_content_spaces > 0 else None,
        )
        sung_lines = [ln for ln in lyric_lines if ln[0] == page] if cfg.skip_lyric_lines else []
        for p in found:
            if any(_on_line(p, ln) for ln in sung_lines):
                continue
            if cfg.skip_strokes > 0 and _is_stroke(masked[p[1] : p[3], p[0] : p[2]], cfg):
                continue
            cands.append((page, p))
            strips.append(_strip(masked, p[0], p[1], p[2], p[3]))
    out: list[list[Phrase]] = [[] for _ in pages]
    if not strips:
        return out
    matrices: list[np.ndarray] | None = None
    if reader is recognise_strips and cfg.lexicon and cfg.lexicon_ctc:
        matrices = []
        read = recognise_strips(strips, cfg.ocr, matrices=matrices)
    else:
        read = reader(strips, cfg.ocr)
    kept: dict[tuple[int, int, str, int], list[Phrase]] = {}  # per text line: its directions
    texts: dict[tuple[int, int, str, int], int] = {}
    words_of: dict[tuple[int, int, str, int], int] = {}
    for k_cand, ((page, p), chars) in enumerate(zip(cands, read, strict=True)):
        text = unicodedata.normalize("NFKC", _spaced(chars, p[6], p[0], p[3] - p[1], cfg.space_gap)).strip()
        text = re.sub(r"\s+", " ", text)
        x_start = p[0]
        if cfg.strip_dynamics:
            text, x_start = _without_dynamics(text, p[6], p[0])
        probs = [pr for c, _, pr in chars if c != " "]
        if not probs:
            continue
        mean_p, min_p = float(np.mean(probs)), float(min(probs))
        key = (page, p[4], p[5], p[1])
        lex = lexicon_text(text, cfg.lexicon_join) if cfg.lexicon and mean_p >= cfg.min_lexicon_prob else None
        if lex is None and matrices is not None and matrices[k_cand].size:
            lex = _ctc_lexicon(text, matrices[k_cand], cfg)
        if lex is not None:
            text = lex
        elif mean_p < cfg.min_mean_prob or not any(c.isalpha() for c in text):
            continue
        elif cfg.far_lexicon_only and cfg.above_content_spaces > 0 and p[5] == "above":
            st_p, tops = assembly.pages[page].staves[p[4]], tops_of[page]
            far = p[1] < st_p.top - cfg.above_spaces * st_p.staff_space_px
            if far and (tops is None or p[4] in tops):
                continue  # found only over high notes (`above_content_spaces`): a heading unless lexicon words
        texts[key] = texts.get(key, 0) + 1  # phrases of the line read as text (directions or not)
        words = [_bare(w) for w in text.split()]
        words_of[key] = words_of.get(key, 0) + len(words)
        if (min_p < cfg.min_char_prob and lex is None) or not is_direction_text(text, cfg):
            continue
        if sum(w in sung.get(page, set()) for w in words) > len(words) / 2:  # the lyrics reader's words
            continue
        kept.setdefault(key, []).append(Phrase(x_start, p[1], p[2], p[3], p[4], p[5], text, mean_p, min_p))
    # a line of many words or phrases, or whose phrases start under note heads, is lyrics (left to the
    # lyrics reader)
    for key, line in kept.items():
        page, s, side, _ = key
        if words_of[key] > cfg.max_words:
            continue
        if texts[key] > cfg.max_phrases and not (
            texts[key] <= cfg.max_lexicon_phrases
            and all(lexicon_text(q.text, cfg.lexicon_join) is not None for q in line)
        ):
            continue
        lay = assembly.pages[page]
        upper = s if side == "below" else _staff_above(lay.staves, s)
        if upper is not None and len(line) > 1 and not (cfg.lexicon_lines and _direction_line(line, cfg)):
            heads = [e[0] for e in events.get((page, upper), [])]
            if _is_lyric_line([q.x0 for q in line], heads, lay.staves[upper].staff_space_px, cfg):
                continue
        out[page].extend(line)
    return out


def read_words(
    assembly: Assembly,
    pages: Sequence[np.ndarray],
    cfg: WordsConfig | None = None,
    reader: StripReader | None = None,
    lyric_lines: Sequence[LyricLine] = (),
) -> Score:
    """The assembled score with the text directions read from the page images added to its measures.

    `pages` are the greyscale images the assembly read (same order and pixels); `reader` maps strips to
    characters (default: the lyrics' `recognise_strips`, which loads the OCR model on first use);
    `lyric_lines`: the lines the lyrics reader read (`lyrics.read_lyric_lines`), not read again.
    """
    cfg = cfg or WordsConfig()
    score = assembly.score
    prepared = _prepare(assembly, pages)  # once for the names, the phrases and their placing
    if cfg.part_names:
        names = read_part_names(assembly, pages, cfg, reader, prepared)
        if names:
            score = replace(
                score,
                parts=tuple(replace(p, name=names.get(i, p.name)) for i, p in enumerate(score.parts)),
            )
    read = read_phrases(assembly, pages, cfg, reader, lyric_lines, prepared)
    if not any(read):
        return score
    events = prepared[1][0]
    reports = assembly.measures
    part_index: dict[tuple[int, int], int] = {}
    for pi, part in enumerate(score.parts):
        for mi, m in enumerate(part.measures):
            part_index[(pi, m.number)] = mi
    added: dict[tuple[int, int], list[Direction]] = {}
    systems_of = [_system_members(lay.staves, lay.systems) for lay in assembly.pages]
    for page, found in enumerate(read):
        lay = assembly.pages[page]
        for ph in found:
            st = lay.staves[ph.staff]
            sp = st.staff_space_px
            cy = (st.top + st.bottom) / 2
            # the measure (of the part that holds this staff) under the phrase's left edge
            rows = [
                r
                for r in reports
                if r.page == page
                and r.bbox_xyxy[1] - sp <= cy <= r.bbox_xyxy[3] + sp
                and r.bbox_xyxy[0] - 2 * sp <= ph.x0 < r.bbox_xyxy[2]
            ]
            if not rows:
                continue
            rep = min(
                rows, key=lambda r: (abs(r.bbox_xyxy[0] - ph.x0) if ph.x0 < r.bbox_xyxy[0] else 0, r.part)
            )
            found_mi = part_index.get((rep.part, rep.number))
            if found_mi is None:
                continue
            mi = found_mi
            evs = [e for e in events.get((page, ph.staff), []) if e[1] == rep.part and e[2] == mi]
            staff_in_part = evs[0][3] if evs else _staff_in_part(lay.staves, ph.staff, rep.bbox_xyxy)
            onset = Fraction(0)
            if evs:
                near = min(evs, key=lambda e: (abs(e[0] - ph.x0), e[4]))
                if cfg.onset_system:
                    col = _column_event(events, page, ph.staff, systems_of[page], rep.bbox_xyxy, ph.x0)
                    if col is not None and abs(col[0] - ph.x0) < abs(near[0] - ph.x0) - 0.25 * sp:
                        near = col
                if abs(near[0] - ph.x0) <= cfg.onset_spaces * sp:
                    onset = near[4]
            added.setdefault((rep.part, mi), []).append(
                Direction("words", ph.text, onset, staff_in_part, ph.placement)
            )
    parts: list[Part] = []
    for pi, part in enumerate(score.parts):
        measures: list[Measure] = []
        for mi, m in enumerate(part.measures):
            new = added.get((pi, mi))
            measures.append(replace(m, directions=(*m.directions, *new)) if new else m)
        parts.append(replace(part, measures=tuple(measures)))
    return replace(score, parts=tuple(parts))


def read_part_names(
    assembly: Assembly,
    pages: Sequence[np.ndarray],
    cfg: WordsConfig | None = None,
    reader: StripReader | None = None,
    prepared: _Prepared | None = None,
) -> dict[int, str]:
    """Part index -> the name printed left of the part's staves in the piece's first system (confident
    reads only; parts without a printed name, and one-staff parts unless `single_staff_names`, are left
    out). `prepared`: as `read_phrases`."""
    cfg = cfg or WordsConfig()
    reader = reader or recognise_strips
    if not assembly.pages or not pages or not assembly.pages[0].systems:
        return {}
    frames = prepared[0] if prepared is not None else _frames(assembly, pages)
    lay, (grey, glyphs) = assembly.pages[0], frames[0]
    system = lay.systems[0]
    if grey is None or len(system.part_staves) != len(assembly.score.parts):
        return {}
    _, used, _, _ = prepared[1] if prepared is not None else _events(assembly, frames)
    masked = _masked_page(grey, glyphs, used.get(0, set()))
    ink = masked < cfg.ink_threshold
    rcfg = _rows_cfg(cfg)
    boxes: list[tuple[int, int, int, int, int]] = []
    for pi, idx in enumerate(system.part_staves):
        staves = [system.staves[k] for k in idx]
        if len(staves) < 2 and not cfg.single_staff_names:
            continue
        sp = staves[0].staff_space_px
        top, bottom = min(st.top for st in staves), max(st.bottom for st in staves)
        y0, y1 = max(0, int(top - sp)), min(grey.shape[0], int(bottom + sp))
        x1 = int(min(st.x0 for st in staves) - cfg.name_gap_spaces * sp)
        if x1 <= 0 or y1 <= y0:
            continue
        region = _without_tall(ink[y0:y1, :x1], cfg.max_line_spaces * sp)  # braces, brackets
        rows = [(a, b) for a, b in text_rows(region, sp, rcfg) if b - a <= cfg.max_line_spaces * sp]
        if not rows:
            continue
        mid = (top + bottom) / 2 - y0
        a, b = min(rows, key=lambda r: abs((r[0] + r[1]) / 2 - mid))
        pieces = [q for q in ink_pieces(region[a:b], rcfg) if q.kind == "word"]
        if not pieces:
            continue
        grp = _group(pieces, cfg.phrase_gap * (b - a))[-1]  # the phrase nearest the staves
        boxes.append((pi, grp[0].x0, y0 + a, grp[-1].x1, y0 + b))
    if not boxes:
        return {}
    read = reader([_strip(masked, x0, ya, x1, yb) for _, x0, ya, x1, yb in boxes], cfg.ocr)
    out: dict[int, str] = {}
    for (pi, *_), chars in zip(boxes, read, strict=True):
        text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", "".join(c for c, _, _ in chars))).strip()
        probs = [pr for c, _, pr in chars if c != " "]
        if not probs or float(np.mean(probs)) < cfg.min_mean_prob or min(probs) < cfg.min_char_prob:
            continue
        letters = sum(1 for c in text if c.isalpha())
        if letters >= 3 and all(c.isalnum() or c in " .-'()" for c in text):
            out[pi] = text
    return out


def _without_tall(ink: np.ndarray, height: float) -> np.ndarray:
    """The ink mask without its connected pieces taller than `height` pixels."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    tall = np.flatnonzero(stats[:, cv2.CC_STAT_HEIGHT] > height)
    tall = tall[tall > 0]
    return ink & ~np.isin(labels, tall) if len(tall) else ink


def _staff_in_part(staves: Sequence[Staff], s: int, bbox: tuple[float, float, float, float]) -> int:
    """1-based rank of page staff `s` among the staves inside a measure box (top to bottom)."""
    inside = sorted(
        (t for t in range(len(staves)) if bbox[1] - 1 <= staves[t].top and staves[t].bottom <= bbox[3] + 1),
        key=lambda t: staves[t].top,
    )
    return inside.index(s) + 1 if s in inside else 1
