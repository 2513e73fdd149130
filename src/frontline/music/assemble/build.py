"""Glyphs -> Score: the assembly of detected (or ground-truth) symbols into notes, measures and parts.

Why: the detector only says "there is a black notehead here"; music needs pitch (staff position +
clef + key + accidentals in the measure), duration (head + flags/beams + dots + tuplets), voices and
measures. Rules are geometric and musical, applied page by page, system by system; the time signature
checks every measure, repairs it where exactly one reading fits and flags it otherwise.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from frontline.music.assemble.dynamics import match_dynamic_word
from frontline.music.assemble.pitch import (
    ACCIDENTAL_ALTER,
    AccidentalState,
    c_clef_line,
    clef_from_class,
    diatonic_of,
)
from frontline.music.assemble.pixels import (
    find_stem,
    ink_bracket,
    ink_hairpins,
    ink_mask,
    staccato_dot,
    stem_end_strokes,
    tie_arc,
    volta_lines,
)
from frontline.music.assemble.repair import TRUSTED_TIERS, RhythmItem, repair_voice
from frontline.music.assemble.rhythm import (
    FLAG_COUNT,
    REST_VALUE,
    TUPLET_RATIO,
    beam_labels,
    head_kind,
    note_type_of,
    note_value,
)
from frontline.music.assemble.slurs import slur_arcs
from frontline.music.assemble.staves import (
    BARLINE_CLASSES,
    deskew_glyphs,
    estimate_skew,
    find_barlines,
    find_connectors,
    find_staves,
    group_systems,
    nearest_staff,
    rotated_page,
    skew_from_staff_boxes,
    staves_from_glyphs,
)
from frontline.music.assemble.voices import VoiceSlot, split_voices
from frontline.music.records import (
    Chord,
    Clef,
    ClefChange,
    Direction,
    Event,
    Glyph,
    KeySignature,
    Measure,
    Note,
    Part,
    Pitch,
    Rest,
    Score,
    Staff,
    System,
    TimeSignature,
)

__all__ = ["AssembleConfig", "Assembly", "MeasureReport", "PageLayout", "assemble_pages", "dynamic_word"]

_ARTICS = {
    "articAccent": "accent",
    "articStaccato": "staccato",
    "articTenuto": "tenuto",
    "articStaccatissimo": "staccatissimo",
    "articMarcato": "strong-accent",
    "stringsUpBow": "up-bow",
    "stringsDownBow": "down-bow",
}
_ORNAMENTS = {
    "ornamentTrill": "trill-mark",
    "ornamentTurn": "turn",
    "ornamentTurnInverted": "inverted-turn",
    "ornamentMordent": "mordent",
}
_PLAIN_BARS = ("barline", "barlineDouble", "barlineHeavy", "barlineFinal")
"""Barline kinds without repeat sign (repeat dots beside one make it a repeat: `repeat_dots_at_bars`)."""
_DYN_LETTERS = {
    "dynamicP": "p",
    "dynamicM": "m",
    "dynamicF": "f",
    "dynamicS": "s",
    "dynamicZ": "z",
    "dynamicR": "r",
}
_DYNAMICS = {
    "p", "pp", "ppp", "pppp", "f", "ff", "fff", "ffff", "mp", "mf", "sf", "sfp", "sfpp", "fp", "rf", "rfz",
    "sfz", "sffz", "fz", "pf", "sfzp",
}  # fmt: skip
_GRACE_GLYPHS = {
    "graceNoteAcciaccaturaStemUp": ("up", True),
    "graceNoteAppoggiaturaStemUp": ("up", False),
    "graceNoteAcciaccaturaStemDown": ("down", True),
    "graceNoteAppoggiaturaStemDown": ("down", False),
}
_STEM_END_MARKS = ("tuplet",)
"""Symbols that sit on a beam at stems' far ends and whose ink is no beam stroke there."""
_BAR_RANK = {
    "barline": 0,
    "barlineDouble": 1,
    "barlineHeavy": 1,
    "barlineFinal": 2,
    "repeatLeft": 3,
    "repeatRight": 3,
}


@dataclass(frozen=True, slots=True)
class AssembleConfig:
    """Tolerances of the assembly rules, in staff spaces unless said otherwise."""

    stem_x_tol: float = 0.35
    """How far a stem may stand outside a notehead's box and still belong to it."""
    dot_max_gap: float = 2.6
    """Largest distance from a notehead's right edge to one of its augmentation dots."""
    accidental_max_gap: float = 4.0
    """Largest distance from an accidental's right edge to its notehead's left edge."""
    chord_x_tol: float = 0.6
    """Stemless noteheads closer than this in x form one chord."""
    repair: bool = True
    """Repair measures where exactly one single edit makes the durations fit the time signature."""
    review_score: float = 0.5
    """Flag a measure for review when one of its noteheads or rests was detected with a lower score."""
    deskew: bool = True
    """Measure the page's rotation on the image and undo it on the glyph boxes before reading staves."""
    skew_ink_percentile: float | None = 90.0
    """The rotation is measured on long horizontal ink darker than a quarter of this percentile of its
    darkness (None: of its darkest pixel): on a faint low-contrast page the darkest beams and slurs alone
    cleared the old threshold and set the angle (session 15, classical degraded dev pages: 3 of 36
    unbinarised pages read a wrong angle, one 667 -> 140 edits; `staves.estimate_skew`)."""
    skew_from_barlines: bool = True
    """A page of one or two staves whose lines are gone takes its rotation from its barlines' centres
    (`staves.skew_from_staff_boxes`; session 11: a lineless dev page 401 -> 5 oracle edits)."""
    complete_systems: bool = True
    """Neighbouring systems that together make the page's usual system size are one system (a four-staff
    system read as 2 + 1 + 1 when a degraded page lost its connectors; `staves.group_systems`)."""
    systems_from_gaps: bool = True
    """Systems of unequal sizes are regrouped at the page's wide gaps when that gives systems of one size
    and one clef order (`staves._systems_from_gaps`; session 14: a binarised dev page of two 8-staff
    systems read as 4 parts, 1056 -> 247 edits)."""
    gap_pairs_bars: float = 0.75
    """With no link at all on the page, `systems_from_gaps` makes two-staff systems too when in each pair
    this share of either staff's barlines (two at least) has one on the other within a space; 0 = only
    systems of three staves or more. A binarised voice-and-clarinet page lost every system line and
    read 8 single staves, one part: 820 -> 586 edits (session 15, classical degraded dev pages)."""
    pixel_beams: bool = True
    """Count the strokes (beams, flags) at each unflagged stem's far end in the page's ink, and take that
    count where it is larger than the beam glyphs' (the detector's classical line finder misses beams).
    Only for detected noteheads (score below 1): annotated symbols (score 1) are trusted as given."""
    clef_continuity: bool = False
    """Keep a staff's clef when a detected clef at a system start (no courtesy clef before it) would move
    the staff's pitch range far from the system before. Off: it helped the step-4500 detector (note F1
    +0.02) but costs the step-14000 one (-0.013 clean, -0.024 degraded), whose clefs are better read."""
    pixel_staccato: bool = False
    """Read staccato dots from the ink at detected notes that have no articulation glyph. Off: with the
    session-3 detector (which finds staccato dots itself) it added more wrong dots than right ones on
    the development pages (articulation edits 431 -> 374 without it, 64 pages)."""
    pixel_stems: bool = True
    """Read the stem of a detected black or half notehead from the ink where no stem glyph touches it."""
    image_barlines: bool = True
    """Add barlines read from the page's pixels where the glyphs have none (a detector may miss them)."""
    min_mark_score: float = 0.55
    """Detected articulations, ornaments and fermatas scored below this are left out: the detector reads
    many on lyrics and text at low scores (development pages: 2% of those below 0.35 are real, 65% of
    those above 0.75)."""
    mark_max_dy: float = 2.5
    """Largest distance (spaces) from a detected articulation, ornament or fermata to its note's heads
    or stem end (a mark further away belongs to no note: text, lyrics)."""
    min_dynamic_score: float = 0.85
    """A detected multi-letter dynamics glyph scored below this is read as no dynamic (single letters
    need `min_mark_score`). Development pages: 5 of 185 such glyphs below 0.75 were real, and the word
    read from a real one is often wrong, so only sure ones pay (dynamics edits 410 -> 209, 64 pages)."""
    pixel_ties: bool = True
    """Read ties from the ink between neighbouring detected notes at one height (no tie glyphs)."""
    tie_line_runs: bool = True
    """When reading ties from the ink, an ink run that contains a staff line may be thicker than a tie by
    the line's thickness (a tie lying on a line, e.g. over a chord's upper head, merges with it and was
    read as a beam or text); also for a staff's last note tied on to the next system (that alone:
    D 2295 -> 2287 edits, CD 7639 -> 7637, A 2621 -> 2618; no page worse; tieins D 63 -> 55, CD 48 -> 46,
    A 118 -> 115). With tie_close_heads and tie_double_sharps, on 36 dev pages (detected
    symbols, ground-truth ties): ties found 67 -> 94 of 179 (this one alone 67 -> 81). Detector mode
    w/o lyrics, redetected, all three: degraded D 36 pages 2330 -> 2295 edits (tieins 99 -> 63),
    classical degraded CD 71 pages 7648 -> 7639, clean A 56 pages 2661 -> 2621 (tieins 158 -> 118)."""
    tie_close_heads: bool = True
    """When reading ties from the ink, single notes (no chords) whose heads are less than a space apart are
    read too (under or over their middles, see pixels.tie_arc); before, they never were (13 of 179 ties
    on 36 dev pages). Chords are left out: repeated close chords on a degraded classical page got 16
    false ties from their other heads' ink."""
    tie_double_sharps: bool = True
    """When reading ties from the ink, a detected double sharp lying in a tie's place is taken for the tie:
    left of a head at the height of a head on its left, its centre 0.35-1.2 spaces above or below their
    middle (a real double sharp is centred on its head's line or space). It blocks no column of the arc
    and gives no head an alteration. Degraded dev pages: 14 double sharps detected, 2 real."""
    pixel_slurs: bool = True
    """Read slurs from the ink (no slur glyphs): a thin curved stroke left once staff lines and detected
    symbols are blanked, whose two ends lie near two notes of one staff, and which is no tie."""
    slur_loose_beams: bool = True
    """When reading slurs from the ink, a beam detection touching no stem is not blanked: on degraded pages
    the detector reports flat pieces of slurs as beams, and blanking their boxes cut the slur into pieces
    too short or too flat to read (development pages, random and piano scan-preset: slur arcs found 57 ->
    92 of 130). Detector mode w/o lyrics: degraded D 2376 -> 2345 edits, classical degraded CD 7682 ->
    7648, clean A 2668 -> 2661; no page worse."""
    slur_end_reach: float = 2.5
    """An ink slur's end at most this many spaces above or below a note's heads and stem (and within half
    a space across) ends on that note, beyond the 1.5 spaces otherwise allowed: an accent, staccato or
    fermata stands between a note and its slur's end (clean dev pages: arcs read but left without a
    note 38 -> 15 of 246 slurs)."""
    slur_join_strokes: bool = True
    """Slurs from the ink: thin strokes whose ends meet are chained and tested as one arc before one by
    one (`slurs.slur_arcs`, join_strokes), so a slur cut by a blanked head or stem into pieces each
    too short or flat to pass is read whole."""
    barline_kinds: bool = True
    """Take a barline's kind (final, double, heavy, repeat) from the ink where the detector reports a
    plain barline."""
    trusted_repairs_only: bool = True
    """Repair annotated (exact) symbols only by reading an unmarked triplet; the other repair edits
    stand for a detector's misses and made really short measures wrong on annotated pages."""
    ledger_grid: bool = True
    """A head between two staves whose ledger lines both reach it goes to the staff on whose line grid
    it sits (very close staves)."""
    tuplet_count_check: bool = True
    """A detected tuplet number does not mark a group longer than the number in the group's commonest
    value unless it divides that length (figured bass and fingerings under beamed groups)."""
    shared_heads: bool = True
    """Read a detected head with an up stem on its right and a down stem on its left as two notes (a
    unison of two voices drawn once)."""
    final_bar_short: bool = True
    """A measure before or after a final barline inside a piece may be short (a section's end and the
    next one's pickup), as beside repeat signs."""
    align_voices: bool = True
    """Lay out a voice shorter than its measure against the measure's filled voices: a note struck with
    one of theirs starts at its onset (a voice that pauses, with invisible rests or none written)."""
    ties_within_measure: bool = True
    """A tied note without an accidental takes the alteration of the note it is tied from, also when
    that one lies in the same measure (not the alteration of a tie over the previous barline)."""
    align_across_parts: bool = True
    """A short voice of a grand staff with no filled voice in its own part is laid out against the filled
    voices of the system's parts above it (an accompaniment that pauses under a melody part)."""
    stem_exceptions: bool = True
    """Two voices split by stem direction, one longer than the measure and one shorter by the same
    amount: the one note whose move to the other voice makes both fit (onsets agreeing with the x order)
    is that voice's (a lower voice's note drawn with an up stem)."""
    tuplet_other_voice: bool = True
    """A tuplet number over two voices marks the other voice than its side names (above: upper) when
    only the other voice's events under it are as many as the number."""
    anchored_stems: bool = True
    """A head between two stems takes the one with a head at its far end from the stem's tip (the end a
    chord's stem leaves from), not a nearer stem of another voice passing beside it."""
    align_seconds: bool = True
    """In the voice layout a note a second from a filled voice's note and up to 1.6 spaces beside it (one
    of the two heads set a head width aside) is struck with it."""
    stemless_seconds: bool = True
    """Whole notes (or breves) a second apart and up to 2 spaces apart in x are one chord (the engraver
    sets one head a head width aside), not two notes one after the other."""
    chord_ties: bool = True
    """Tie arcs are matched to heads one to one over the system's staves, each to the head about half a
    space from it (the nearest head in a chord is often the next head's; an arc under ledger notes can
    lie nearer the staff below)."""
    blank_rests: bool = True
    """A staff with nothing read in a measure whose ink is blank there too (no column holding more than its
    staff lines, clef, key and time signature aside) gets a hidden whole-measure rest (print-object="no"):
    the page shows no rest (a part that simply stops, as in a madrigal's silent voice), and a visible one
    was an edit against every such measure. Where the ink shows something (a rest or notes the reading
    missed) the rest stays visible and the measure flagged, as before."""
    time_splits: bool = True
    """A time signature standing inside a region between barlines, with music left of it on its staff,
    opens a measure there: a time signature only ever starts a measure, and an engraver leaves out the
    barline where a piece's partial measures meet at a time change (a chorale's 4/4 closing on three beats,
    then 3/4 with a one-beat pickup). The boundary is written as an invisible barline (bar-style none).
    Before, the change was missed and every later measure of the line kept the old meter (dev chorale
    pages: 3/4 measure rests written as whole rests)."""
    header_regions: bool = True
    """Inside a line, a region between barlines holding only a clef, key or time change (within 4 spaces
    of its closing barline) is no measure: the change opens the next measure (a key change before a start
    repeat)."""
    ottava: bool = True
    """An ottava bracket (8va/8vb line) shifts the notes under it on its staff by an octave: up when it
    stands above the staff's notes, down when below (the page shows them an octave off), and the part
    gets <octave-shift> marks over each such run. Ottava dev pages (non-reserved piano/song pieces with
    added ottavas, re-annotated by the data engine; oracle): note F1 0.7989 -> 0.9425, OMR-NED w/o
    lyrics 0.0695 -> 0.0667; every other dev cache unchanged (none holds an ottavaBracket)."""
    stem_barlines: bool = True
    """In a system whose barlines cross every staff, a barline found on one staff only is kept when each
    other staff has a detected "stem" at its x from its top line to its bottom line with no head at either
    end: the barline there was read as a stem (those stems become barlines). Before, the lone barline was
    dropped as a stem whose head was missed, and two measures merged (dense piano dev page)."""
    tall_barlines: bool = True
    """A barline standing in a clef's or time signature's x range is that symbol's own stroke (and no
    barline) only when at least half of it lies within the symbol's height (a stacked time signature's:
    the stack's); before, any overlap hid it, and a false clef detected over a grand staff barline's
    lower end merged two measures (piano dev page)."""
    barline_before_time: bool = True
    """A staff-high barline inside one digit's box of a stacked time signature but left of another digit
    is the barline before a time change (a detected digit's box reached over it), not the digit's stroke:
    two measures were merged (generator dev page: 240 notes one measure off)."""
    dotted_pairs: bool = True
    """When one added dot would fill a detected voice on several notes, the one followed in its beamed
    group by a note of half its value takes it (a dotted eighth and a sixteenth whose dot was missed);
    before, the tie left the measure short and flagged."""
    inner_stems: bool = True
    """A detected "stem" shorter than 2.5 spaces standing inside a notehead's box (its middle half) is the
    ink of two heads a line apart, not a stem: it made the head a unison of two voices (piano dev pages
    with stacked chords)."""
    stems_beyond_heads: bool = True
    """A detected "stem" that stays within the column of two or more black or half heads beside it (half a
    space beyond its end heads at most) while another stem leaves that column is the stacked heads'
    outline, not a stem: it split a half-note chord into two voices (session 15, detector mode without
    lyrics: classical degraded CD 9 pages changed 1392 -> 1246 edits, note F1 0.904 -> 0.923; clean A 3
    pages 688 -> 671; D one page 344 -> 355; F and G unchanged)."""
    keys_off_barlines: bool = True
    """A detected key-signature accidental whose centre stands on a barline (within 0.3 spaces of its
    strokes) is no key change: a double barline's strokes were read as a flat, and every later pitch of
    the line moved (song dev page)."""
    rest_neighbours: bool = True
    """The rest-value repair changes a detected voice's rest only to the class next to it (half or double
    its value), the classes a detector confuses (annotated voices as before): an eighth rest made a half
    rest to fill a voice that had lost a later rest shifted every note after it (dense piano dev pages)."""
    slash_small_only: bool = True
    """A detected grace slash marks only a stem of small heads: across a full-size note's stem (a
    misread flag end) it made that note a grace note of no duration (dense piano dev page)."""
    tuplet_ink_brackets: bool = True
    """A detected tuplet number outside its staff with a bracket drawn through its middle in the ink
    (the detector has no bracket class) marks the notes under that bracket's span: an upper voice's
    quarter triplet above a lower voice's beamed eighths, or a bracket longer than the nearest notes."""
    strokes_skip_marks: bool = True
    """The beam strokes at a detected stem's far end are counted in the ink without the detected tuplet
    numbers' boxes (a triplet's "3" on its beam over the middle stem was read as a second beam)."""
    meter_within_span: bool = True
    """Where a time signature changes inside a line, the meter check (a time signature that the measure
    lengths contradict is read as the meter they show) counts only the measures each signature governs
    (a 4/4 measure before a change to 2/4 was read as two 2/4 measures)."""
    refine_staff_lines: bool = True
    """Five staff-line candidates of the page's own staff finder that are not evenly spaced get a second
    look, each line taken where the rows' ink runs widest: a beam lying along a line pulls its darkness
    peak off it, and the staff was lost (dense piano dev pages, detector: 2 of 18 staves of one page)."""
    min_hollow_score: float = 0.5
    """Detected half, whole and breve heads scored below this are no notes when their value is longer
    than their measure (a false breve mid-measure in 2/4 shifted every later onset by eight quarters;
    clean development pages: 28 of 29 hollow heads below 0.5 matched no true head, but pages of an
    older detector hold many true whole notes scored 0.3-0.5, so shorter ones are kept); 0 = keep all."""
    fill_staves_need_symbols: bool = True
    """A staff of the detector's staff glyphs that the page's own finder did not see (while it saw others)
    is kept only with a clef, head, rest, key or time signature on it: mottled paper gave a one-staff
    page ten empty glyph staves below the music, read as 15 measures of rests (session 15, classical
    degraded dev pages: 149 -> 123 edits on that page; no page of D, F, G or A has such a staff)."""
    beam_stem_chords: bool = True
    """Black or half heads in one column (0.4 spaces) under one beam whose stems were all missed share one
    drawn stem, from the farthest head to the beam, instead of one stem each: a chord's head beyond a gap
    (a ledger-line third) took its own stem and voice (session 15, faint stems, detector mode without
    lyrics: classical degraded CD 8999 -> 8471 edits, 7 pages changed, none worse; D 5 pages changed
    1036 -> 832; F and G unchanged)."""
    chord_join: bool = True
    """A detected stemless head in line with a stemmed chord (0.4 spaces), beyond its head end and within
    three spaces of it, joins that chord (the stem between the heads was missed; the head was read as
    a stemless quarter in a second voice)."""
    drop_uncertain: float = 0.5
    """A voice of detected symbols longer than its measure by exactly one event's length whose glyphs all
    scored below this loses that event (a false head on a staff line made the repair drop a true dot);
    0 = off."""
    accidental_stems: bool = True
    """Of several stems a detected head could take, one lying within a detected accidental's box (to
    0.2 spaces beside it, 0.3 above and below) is the accidental's upright (a natural's right stroke
    beside the head read as a down stem on its left)."""
    ink_ledgers: bool = True
    """A detected head between two staves goes to the staff its ledger lines lead to also when those
    lines are seen only in the ink (the line finder drops ledger lines that run into their neighbours'
    along a row of low notes; the head went to the other staff, failed its ledger check and was lost)."""
    rests_off_stems: bool = True
    """A detected whole or half rest (a small bar on a line) lying on a note's stem is no rest but a beam's
    end or a line crossing the stem (clean development pages: 7 such rests, none true; a false rest
    beside a note made a second voice)."""
    beam_head_score: float = 0.5
    """Detected black heads scored below this that touch a detected beam are the beam's end, no notes
    (clean development pages: 6 such heads, none true; one took a stem and turned its direction); 0 =
    keep all."""
    strokes_attached: bool = True
    """Beam strokes read in the ink at a detected stem's far end count only where they touch the stem
    (a barline or another voice's stem half a space beside the stem end was read as three or four
    beams: eighths became 64ths)."""
    stem_end_reach: float = 3.0
    """How far (spaces) a detected stem's ink is followed beyond its box before beam strokes are counted
    at its far end (1.5 before session 8: a stem box ending under a stack of three beams, as stems
    drawn from the ink to the nearest beam do, stopped inside the stack and lost the upper beams)."""
    tuplet_nearest_beam: bool = True
    """A tuplet number with no bracket marks the beamed group whose beam is nearest to it (before: the
    first group found under it, often the other voice's)."""
    tuplet_window: bool = True
    """A detected tuplet number over a beamed group longer than its number (which `tuplet_count_check`
    drops) marks the run of that many equal values centred under it when the events either side have
    other values (an eighth beamed to a sixteenth triplet)."""
    tuplet_hint_score: float = 0.3
    """A detected tuplet number scored from this up to `min_tuplet_score` marks its events only as a
    repair hint: they become that tuplet when that alone makes their voice fill the measure; 0 = off."""
    tuplet_count_hint: bool = True
    """A detected tuplet number that `tuplet_count_check` drops (a 5 read as 3 over five sixteenths)
    leaves the ratio its group's count implies as a repair hint (taken only when it fills the measure)."""
    beams_apart: bool = True
    """Two notes hanging from one beam are never taken as struck together when a measure that overflows
    is split into two voices by time (the neighbours of a dense run of sixteenths stand closer than a
    second's heads, and the split made every other note a second voice)."""
    whole_rest_voice: bool = True
    """A whole (or breve) rest standing between other events of a staff's measure, whose removal leaves
    them filling the measure exactly, is the other voice's measure rest (`voices.split_voices`): Verovio
    draws a second voice's measure rest in the middle of the measure, a little off the middle line, and
    it was read into the first voice between its notes, moving every later onset (classical dev pages
    `out/dev14/me`, oracle: two Verdi 3/8 pages 120 -> 8 edits w/o lyrics, the 71 pages 1598 -> 1486;
    dev A, quartet pages unchanged; detector mode on D + A 5501 -> 5476)."""
    onset_check: bool = True
    """Flag a measure of detected symbols whose onsets disagree with where its events stand, over all
    voices and staves of the part: two events at one x (within a quarter space) that start apart, or
    an event well to the right (over 1.6 spaces) that starts no later (a wrong duration shifted what
    follows it, and the voice still fits: the duration check alone passes such a measure)."""
    flag_guessed_repairs: bool = True
    """Flag a measure of detected symbols that a repair edit made fit when the edit guesses at a symbol
    (a dot added or dropped, a beam level, a rest's value, a weak tuplet number taken): its other
    readings are often as likely. Repairs that restore what the page shows as a rule (an unmarked
    triplet, a stray tuplet number dropped, stemless heads given the run's value) do not flag."""
    repair_agrees: bool = False
    """With detected symbols and another voice of the part already laid out, the repair prefers an edit
    after which the voice's notes start where the notes struck with them start (a later tier's beam
    edit over a dot that shifts the notes after it off their partners). Off: on the development pages
    it gained one note on each of the choice and confirmation sets but raised the confirmation set's
    OMR-NED by 0.0004 (two pages)."""
    accidentals_per_voice: bool = False
    """An accidental holds for the rest of its measure in its own voice only, and for notes of other
    voices struck with its note (the data engine's MusicXML, written by music21, prints accidentals voice
    by voice; engraving practice, and MuseScore, Finale and Dorico, hold them for the whole staff, as with
    this off). Off by default: it fits our synthetic pages, not printed music. Dev pages, ground-truth
    symbols: note F1 A 0.9805 -> 0.9808, B 0.9833 -> 0.9839 (one corpus measure that follows the staff rule
    lost); detected symbols: A 0.9608 -> 0.9609, B 0.9347 -> 0.9351, degraded 0.8634 -> 0.8639, OMR-NED
    unchanged. For pages engraved by Verovio from music21's MusicXML."""
    dynamics_nearest_part: bool = True
    """A dynamic or hairpin in the gap between two parts' staves marks the lower part when it lies less
    than half as far from its staff as from the upper one (vocal parts carry their dynamics above the
    staff, lyrics below); within a grand staff, and with this off, it marks the staff above it (engravers
    place instrumental dynamics below the staff)."""
    dynamics_nearest_staff: float = 0.35
    """Within a grand staff, a dynamic in the gap marks the lower staff when it lies less than this share
    of its distance from the upper staff away from the lower one (the engraver sets the lower staff's
    dynamic just above it, the upper staff's just below that); 0: the upper staff always. Not hairpins:
    pushed down by the dynamics beside them, the upper staff's often lie nearer the lower one (a dev piano
    page lost 3). Session 15, 22 changed classical and piano dev pages, ground-truth symbols: 759 -> 676
    edits with the 6-page fallback fix below (0.5: 668, but detected symbols 585 -> 587; 0.35: 581)."""
    dynamics_below_unsung: bool = True
    """Annotated symbols: `dynamics_nearest_part` applies only to a gap holding lyrics (a vocal part above
    it, whose lower neighbour's dynamics stand above their staff); in a gap without lyrics a dynamic
    marks the staff above it however near the lower staff it lies (instruments put dynamics below their
    staff; stacked under words they are pushed down to the next staff: two dynamics of a hand-built
    quartet page went to the part below, 28 -> 24 edits). Detected symbols hold no lyrics (the detector
    has no lyric class): the nearer part as before (it cost 2 edits on a dev song page). Dev A oracle
    unchanged."""
    dynamics_centred: bool = True
    """A dynamic takes the onset of the note or rest nearest its centre in x (engravers centre it under
    its note); off: the earliest note at most a space left of its left edge (often the note before)."""
    dynamics_anchor_spaces: float = 1.0
    """A dynamic is anchored at most this many staff spaces right of its left edge (0: at its centre).
    Verovio sets a dynamic's text from its note's left edge, not centred under it: a wide "ppp" or "sfp"
    under close notes had its centre nearer the next note."""
    hairpin_ends: bool = True
    """A hairpin starts at the note nearest its left end (or with the dynamic whose text ends just before
    it: engravers start the hairpin after the text) and stops at the note nearest its right end, or at
    the measure's end when it runs on more than a space past the measure's last note; off: the earliest
    note at most a space left of its left end, and the last note that starts before its right end."""
    hairpin_past_head: float | None = -0.15
    """With `hairpin_ends`: a hairpin whose right end lies more than this many spaces right of the centre of
    the note nearest it (negative: left of it) stops after that note (at the next one, or at the measure's
    end). Verovio ends a hairpin that stops at a note at the note's left edge (0.7 spaces left of its
    centre) and one that runs to the measure's end about 0.3 spaces past the last note's centre, which
    read as stopping at the last note. None: off."""
    marks_by_side: bool = True
    """An articulation or fermata whose class says it stands above (below) its note goes to the nearest
    note under (over) it on either neighbouring staff; off: the nearest note of the staff nearest the
    mark (between a grand staff's staves an accent below an upper-staff note went to the lower staff)."""
    dynamic_ink_box: bool = True
    """Read a detected combined dynamics glyph's word from the bounding box of the ink inside its box:
    the detector's boxes run about 2 px taller than the glyph, which thinned the top and bottom ink
    fractions `dynamic_word` reads (dev pages: its reading on detected boxes agreed with the one on the
    matched annotated box 123 of 285 times, 222 when cut to the ink); annotated boxes are the glyph's
    own (cutting them changed 21 readings, for the worse on B). Off: the whole box."""
    repeat_dots_at_bars: bool = True
    """A barline read without repeat sign (plain, double, heavy or final) with two or more repeat dots
    within 1.5 spaces on one side is a repeat barline facing them (dots on both sides: a double repeat;
    at a line's start: a start repeat); off: repeat dots count only between two barlines read 2.5 spaces
    apart or less."""
    ornament_accidentals: bool = True
    """A small accidental just above or below an ornament (trill, turn, mordent), and taken by no note
    head, alters the ornament's auxiliary note (MusicXML <accidental-mark> in <ornaments>; above a turn:
    its upper note, below: its lower one). Before, it was left unread (1 edit per ornament)."""
    mordent_inverted: bool = True
    """Read the mordent class (one class for the zigzag with and without a vertical stroke) as an inverted
    mordent, the zigzag alone (the upper mordent or Pralltriller, the common one in printed music: 40 of
    the 43 mordents in the development pages' ground truth); off: a mordent (with the stroke)."""
    links_over_rests: bool = True
    """Detected symbols: stems up to 16 spaces apart with a rest between are beamed when ink joins them."""
    fermata_short: bool = True
    """Detected symbols: a short voice holding a fermata gets only the annotated repairs (a phrase end)."""
    ink_hairpins: bool = True
    """Detector mode: crescendo and diminuendo hairpins read from the ink (`pixels.ink_hairpins`)."""
    ink_endings: bool = True
    """Detector mode: ending (volta) brackets above a system read from the ink (`pixels.volta_lines`)."""
    drop_tuplets_together: bool = True
    """The measure repair may drop all of a voice's tuplets at once (a figured bass read as tuplets)."""
    tuplet_second_mark: bool = True
    """A second tuplet number over already-marked events marks the other voice's events under it."""
    tuplet_rest_fill: bool = True
    """A tuplet number over a beamed group one or two units short of its number takes the rests of the
    group's value right before or after it (a triplet that starts with an eighth rest: the number sits
    on the beam of the two notes that follow), when that makes exactly its number and no barline lies
    between (classical dev pages: a Weber clarinet page 186 -> 21 edits w/o lyrics, the 71 pages 1477 ->
    1312; dev A + quartet pages and detector mode on D + A unchanged)."""
    dynamic_fonts: bool = True
    """Read combined dynamics words by matching the SMuFL fonts' letters (off: `dynamic_word`'s rules)."""
    min_dynamic_match: float = 0.3
    """With `dynamic_fonts`: a best font match scoring below this is no word (dev: true ones >= 0.44)."""
    dynamic_whole_glyphs: bool = True
    """With `dynamic_fonts`: also match each word's precomposed SMuFL glyph (Verovio draws sfz, sf, fp, mf,
    ... with one glyph, not letter by letter; quartet dev pages: 7 of 19 sf/sfz read rf/rfz/sfp)."""
    tuplet_between_staves: bool = True
    """A tuplet mark between two staves goes to the staff whose events under it reach nearest to it."""
    min_tuplet_score: float = 0.6
    """A detected tuplet number scored below this marks nothing (stray 3s and 6s read on fingerings,
    lyrics and slurs). Chosen on the development pages: note F1 0.8665 / 0.8670 / 0.8649 at 0.5 / 0.6 /
    0.7 on corpus and generator pages, 0.805 / 0.814 / 0.822 on piano pieces; 0.6 gains on both."""
    mordent_stroke_spaces: float = 1.3
    """A mordent-class glyph at least this tall (spaces) has the vertical stroke: a mordent, whatever
    `mordent_inverted` says (the zigzag alone is 1.0 space tall, with the stroke 1.6: dev ground truth 4
    inverted mordents at 0.97-0.99, one mordent at 1.58, read inverted before). Dev A oracle 692 -> 691
    edits w/o lyrics (no OCR), detector unchanged. 0 = off."""
    tremolos: bool = True
    """Read a tremolo glyph (tremolo1..5: strokes across a stem) as its note's single-note tremolo of that
    many strokes (MusicXML <tremolo type="single">); before, tremolos were not read (1 edit each; none
    on the dev pages, annotated or detected, so dev A is unchanged; a hand-built quartet page with one
    tremolo 3 -> 2 edits)."""
    part_groups: bool = True
    """Write the parts a bracket joins on the page as a bracketed group (MusicXML <part-group>): a
    bracketed quartet read as four loose parts cost 4 musicdiff edits a page. Dev A OMR-NED w/o lyrics
    (no OCR): oracle 700 -> 692 edits (random pages 4 and 10, 4 -> 0 and 10 -> 6; the dev corpus pages
    draw no brackets), detector the same two pages 42 -> 38 and 17 -> 13."""
    ledger_beyond: bool = True
    """A head in the gap between two staves that both staves' ledger lines lead to goes to the staff away
    from which a ledger line passes it (a ledger line just beyond a head belongs to the other staff's
    note: a cello's D5 on the fifth ledger above its bass staff sat nearer the violin staff above and
    was read there as C4 on a hand-built quartet page). Dev A OMR-NED w/o lyrics (no OCR): oracle
    0.0111 -> 0.0110 (706 -> 700 edits), detector 0.0445 -> 0.0439 (2810 -> 2773; two chorale pages
    43 -> 19 and 46 -> 33)."""
    slur_between_staves: bool = True
    """A slur between two staves of a system belongs to the one whose notes its centre passes nearer at
    both ends, not simply to the nearer staff: a slur under a piano's treble notes that dip below the
    staff lies closer to the bass staff, found no notes there and was dropped (classical dev pages: a
    Liliuokalani song's six slurs on one page; the 71 classical pages 1486 -> 1477 edits w/o lyrics, dev
    A + quartet pages 1633 -> 1632, detector mode on D + A unchanged)."""
    slur_system_break: bool = True
    """A slur piece running off the end of its staff (right end past every event, within 1.5 spaces of
    the staff's end) starts a slur at its left note only, and a piece coming in from the staff's start
    (left end before every event's head) stops one at its right note only: the writer joins the two
    pieces of a slur cut by a system break. Before, both pieces lacked a note at one end: the first was
    dropped and the second made a new slur. Slur glyphs only (annotated symbols): the same rule on the
    ink's arcs added 5 wrong slurs on detected dev pages (ties at a system's end). Dev A oracle OMR-NED
    w/o lyrics (no OCR) 0.0125 -> 0.0111 (792 -> 706 edits; a folk tune's phrase slur 87 -> 1)."""
    repair_metric_ties: bool = True
    """When several edits of one repair tier make a voice fit, take the one whose onsets lie on the
    simplest beat grid, when exactly one does (`repair.repair_voice(metric_ties=)`); before, such a
    measure was left as read and flagged (a dust speck read as a dot, where dropping another note's dot
    fits too; a missed second dot). Detector mode, OMR-NED w/o lyrics (no OCR): degraded dev D 0.0928 ->
    0.0845 (3367 -> 3068 edits), note F1 0.9355 -> 0.9433; clean A 0.0446 -> 0.0435 (2819 -> 2750);
    fresh degraded F 0.1772 -> 0.1749; oracle A unchanged (712)."""
    repair_beam_bridge: bool = True
    """Repair tier after the group beam edit: a stemmed note read without beams beside a beamed note
    takes that note's value (a beam missed across one note of a run: a sloped double beam the line
    finder lost under a chord). With `repair_beam_pairs`, detector mode, OMR-NED w/o lyrics (no OCR):
    degraded dev D 0.0845 -> 0.0793 (3068 -> 2879 edits), note F1 0.9433 -> 0.9489; clean A 2750 ->
    2743; fresh F 1947 =; oracle A 712 -> 710."""
    repair_beam_pairs: bool = True
    """Last repair tier: the same beam edit (add or drop a level) on two notes at once (two groups whose
    first notes lost their second beam on a binarised page); settled by `repair_metric_ties` when several
    pairs fit."""
    repair_dot_pairs: bool = True
    """Last repair tier: the same dot edit (add or drop) on two notes at once (two dotted notes whose
    dots a blurred scan lost); more than 12 fitting pairs (`repair._MAX_PAIRS`, beam pairs too) leave
    the voice as read. Detector, OMR-NED w/o lyrics: degraded dev D 0.0766 -> 0.0760 (2782 -> 2758;
    one generator page 53 -> 29), note F1 0.9514 -> 0.9521; clean A (2743) and fresh F (1947)
    unchanged."""
    beat_beams: bool = True
    """Detected eighths and shorter whose beams the detector missed (no beam glyph, no beam seen joining
    them in the ink, no flag glyph; their value came from the repair or from strokes in the ink) are
    beamed by beat: consecutive such notes of one voice within one beat of the time signature (a quarter
    in 2/4, 3/4, 4/4; a half in 2/2; a dotted quarter in 6/8, 9/8, 12/8), not across a rest or another
    note, with one level per flag their value has and the levels below the first broken at each eighth
    (sixteenths in pairs, a dotted eighth's sixteenth hooked). A note with ink strokes at its stem's end
    joins only where the strokes face its neighbour (a flag points right only). Before, they were
    written unbeamed and musicdiff re-aligned every bar of such a page. Detector mode, OMR-NED w/o
    lyrics: degraded G 3873 -> 3312 (one page 577 -> 16), degraded D 2376 -> 2361, clean A 516 -> 513;
    note F1 and oracle A (153) unchanged."""
    meter_two_voices: bool = True
    """The check of a read time signature against the measures' lengths leaves out measures where an up
    and a down stem stand within 1.5 spaces (not only 0.8: two voices a second apart are set side by
    side) or a rest stands at a note's x (two voices: their sum is no measure length). Before, 2/4
    measures of two voices read as 4/4 and replaced the 2/4 read. Detector, OMR-NED w/o lyrics: degraded
    dev D 0.0793 -> 0.0766 (2879 -> 2782; one generator page 225 -> 128), note F1 0.9489 -> 0.9514;
    clean A (2743), fresh F (1947) and oracle A (710) unchanged."""


@dataclass(frozen=True, slots=True)
class MeasureReport:
    """Review information for one measure of one part on one page: where it is and how sure we are.

    `bbox_xyxy` spans the measure's x range over the part's staves in page pixels; `edit` says what the
    repair changed ("" if nothing); `reason` why the measure is flagged ("" if not).
    """

    part: int
    number: int
    page: int
    bbox_xyxy: tuple[float, float, float, float]
    flagged: bool
    confidence: float
    edit: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PageLayout:
    """The staves and systems found on one page, and the glyphs the assembly read (with ids)."""

    page: int
    staves: tuple[Staff, ...]
    systems: tuple[System, ...]
    glyphs: tuple[Glyph, ...]
    voice_of_glyph: tuple[tuple[int, int], ...] = ()
    """(glyph id, voice) for every notehead and rest glyph that became part of a note or rest."""
    angle_deg: float = 0.0
    """Skew of the page that the assembly undid (staves are in the deskewed frame, glyphs as given)."""


@dataclass(frozen=True, slots=True)
class Assembly:
    """Result of the assembly: the score, per-page layout, per-measure review reports and warnings."""

    score: Score
    pages: tuple[PageLayout, ...]
    measures: tuple[MeasureReport, ...]
    warnings: tuple[str, ...] = ()


# --- working objects (mutable, private) ----------------------------------------------------------------


@dataclass(eq=False)
class _Head:
    glyph: Glyph
    staff: int  # index into the page's staves
    cy: float
    position: int = 0
    accidental: tuple[int, str] | None = None
    accidental_glyph: int = -1
    dots: int = 0
    dot_glyphs: list[int] = field(default_factory=list)
    alter: int = 0
    diatonic: int = 0
    tie_start: bool = False
    tie_stop: bool = False
    tie_glyphs: list[int] = field(default_factory=list)
    octave_shift: int = 0  # octaves the sounding pitch lies above the written one (ottava brackets)


@dataclass(eq=False)
class _Group:
    """A chord (heads on one stem, or stemless heads at one x) or a rest."""

    heads: list[_Head]
    staff: int
    x: float
    kind: str = "black"  # black/half/whole/breve or "rest"
    rest_glyph: Glyph | None = None
    stem: Glyph | None = None
    stem_dir: str = ""
    flags: int = 0
    beams: list[int] = field(default_factory=list)  # indices of beam glyphs on the stem
    beam_levels: int = 0
    grace: bool = False
    grace_slash: bool = False
    dots: int = 0
    extra_glyphs: list[int] = field(default_factory=list)
    tuplet: tuple[int, int] | None = None
    tuplet_edge: str = ""
    tuplet_hint: tuple[int, int] | None = None  # ratio of a weakly detected number over the group
    hint_id: int = -1  # which weak number (groups under one number share it)
    articulations: list[str] = field(default_factory=list)
    ornaments: list[str] = field(default_factory=list)
    fermata: bool = False
    slur_start: bool = False
    slur_stop: bool = False
    measure: int = -1
    voice: int = 1
    onset: Fraction = Fraction(0)
    value: Fraction = Fraction(1)
    duration: Fraction = Fraction(1)
    measure_rest: bool = False
    beam_values: tuple[str, ...] = ()
    px_strokes: tuple[int, int] = (0, 0)  # strokes leaving the stem's far end, left and right (ink)
    links: list[int] = field(default_factory=list)  # beams seen only in the ink, shared with a neighbour
    beam_x: list[tuple[int, float, float]] = field(default_factory=list)  # (beam index, x0, x1) on the stem

    @property
    def detected(self) -> bool:
        """Whether the group's glyphs come from a detector (score below 1) rather than annotations."""
        scores = [h.glyph.score for h in self.heads] + ([self.rest_glyph.score] if self.rest_glyph else [])
        return bool(scores) and min(scores) < 1.0

    @property
    def is_rest(self) -> bool:
        return self.kind == "rest"

    @property
    def cy(self) -> float:
        if self.rest_glyph is not None:
            return self.rest_glyph.center_xy[1]
        return float(np.mean([h.cy for h in self.heads]))


def _overlap(a0: float, a1: float, b0: float, b1: float) -> bool:
    return a0 <= b1 and b0 <= a1


def _cluster_x(items: list[Glyph], gap: float) -> list[list[Glyph]]:
    out: list[list[Glyph]] = []
    for g in sorted(items, key=lambda g: g.bbox_xyxy[0]):
        if out and g.bbox_xyxy[0] - max(h.bbox_xyxy[2] for h in out[-1]) <= gap:
            out[-1].append(g)
        else:
            out.append([g])
    return out


# --- one system -----------------------------------------------------------------------------------------


@dataclass(eq=False)
class _StaffTimeline:
    clefs: list[tuple[float, Clef]] = field(default_factory=list)  # (x, clef)
    keys: list[tuple[float, int]] = field(default_factory=list)  # (x, fifths)
    times: list[tuple[float, TimeSignature]] = field(default_factory=list)
    detected_clefs: set[float] = field(default_factory=set)  # x of clefs a detector reported (score < 1)
    detected_times: set[float] = field(default_factory=set)  # x of time signatures read from detections


@dataclass(eq=False)
class _SystemResult:
    system: System
    staff_ids: list[int]  # page staff index of each staff in the system
    regions: list[tuple[float, float]]
    bar_kinds: list[str]  # kind of the barline at the right end of each region
    repeat_start_first: bool
    groups: list[_Group]
    timelines: dict[int, _StaffTimeline]
    # (staff, x, kind, value, x of reference: a dynamic's centre, a hairpin stop's left end)
    dynamics: list[tuple[int, float, str, str, float]]
    endings: list[tuple[float, float]] = field(default_factory=list)  # x spans of volta brackets
    skipped: list[tuple[int, float, float]] = field(default_factory=list)  # (staff, x, score) heads left out
    dot_repeats: frozenset[int] = frozenset()  # regions whose right barline is a repeat by its dots alone


def _read_time(cluster: list[Glyph], staff: Staff) -> TimeSignature | None:
    names = [g.class_name for g in cluster]
    if "timeSigCommon" in names:
        return TimeSignature(4, 4, "common")
    if "timeSigCutCommon" in names:
        return TimeSignature(2, 2, "cut")
    mid = (staff.top + staff.bottom) / 2
    digits = [g for g in cluster if g.class_name[len("timeSig") :].isdigit()]

    def number(gs: list[Glyph]) -> int:
        # digits side by side; a digit detected twice (boxes overlapping by over half) counts once
        kept: list[Glyph] = []
        for g in sorted(gs, key=lambda g: -g.score):
            x0, _, x1, _ = g.bbox_xyxy
            if all(
                min(x1, k.bbox_xyxy[2]) - max(x0, k.bbox_xyxy[0])
                <= 0.5 * min(x1 - x0, k.bbox_xyxy[2] - k.bbox_xyxy[0])
                for k in kept
            ):
                kept.append(g)
        text = "".join(g.class_name[len("timeSig") :] for g in sorted(kept, key=lambda g: g.bbox_xyxy[0]))
        return int(text) if text else 0

    beats = number([g for g in digits if g.center_xy[1] < mid])
    beat_type = number([g for g in digits if g.center_xy[1] >= mid])
    if not 1 <= beats <= 16 or beat_type not in (1, 2, 4, 8, 16, 32):
        return None
    return TimeSignature(beats, beat_type)


def _system_pass(
    page_staves: list[Staff],
    system: System,
    glyphs: list[Glyph],
    cfg: AssembleConfig,
    ink: np.ndarray | None = None,
) -> _SystemResult:
    staff_ids = [page_staves.index(s) for s in system.staves]
    sp = float(np.median([s.staff_space_px for s in system.staves]))
    sys_top = system.staves[0].top - 6 * sp
    sys_bottom = system.staves[-1].bottom + 6 * sp
    x0 = min(s.x0 for s in system.staves)
    x1 = max(s.x1 for s in system.staves)

    def staff_of(y: float) -> int:
        return staff_ids[nearest_staff(list(system.staves), y)]

    by_class: dict[str, list[Glyph]] = defaultdict(list)
    for g in glyphs:
        by_class[g.class_name].append(g)

    # barlines -> measure regions
    bars = [g for name in BARLINE_CLASSES for g in by_class.get(name, [])]
    # a line finder takes a clef's or a time digit's upright stroke for a barline: none inside them
    # (only digits that read as a time signature on their staff: a thick barline read as a lone digit
    # hides nothing)
    strokes = [g for g in glyphs if g.class_name.startswith("clef")]
    time_clusters: list[list[Glyph]] = []
    for k_st, st_t in enumerate(system.staves):
        digits_t = [
            g
            for g in glyphs
            if g.class_name.startswith("timeSig")
            and nearest_staff(list(system.staves), g.center_xy[1]) == k_st
        ]
        for cl in _cluster_x(digits_t, 0.6 * sp):
            if _read_time(cl, st_t) is not None:
                strokes += cl
                time_clusters.append(cl)

    def before_time(b: Glyph) -> bool:
        """A staff-high barline left of one of a stacked time signature's digits: the barline before a
        time change, which a detected digit's box wider than its ink reaches over (a digit's own stroke
        lies inside every digit of the stack)."""
        if not cfg.barline_before_time or b.bbox_xyxy[3] - b.bbox_xyxy[1] < 3 * sp:
            return False
        return any(
            len(cl) > 1
            and any(i.bbox_xyxy[0] < b.center_xy[0] < i.bbox_xyxy[2] for i in cl)
            and any(b.center_xy[0] < i.bbox_xyxy[0] - 0.1 * sp for i in cl)
            for cl in time_clusters
        )

    if cfg.tall_barlines:
        # a symbol's own upright stroke lies within its height (a stacked time signature's: within the
        # stack's); a barline mostly above or below a symbol in whose x range it stands is no stroke of
        # it (a false clef read over a barline's lower end hid a grand staff's barline)
        clusters_y = {id(g): cl for cl in time_clusters for g in cl}

        def stroke_of(i: Glyph, b: Glyph) -> bool:
            cl = clusters_y.get(id(i), [i])
            y0, y1 = min(g.bbox_xyxy[1] for g in cl), max(g.bbox_xyxy[3] for g in cl)
            inside = min(y1, b.bbox_xyxy[3]) - max(y0, b.bbox_xyxy[1])
            return inside >= 0.5 * (b.bbox_xyxy[3] - b.bbox_xyxy[1])

    else:

        def stroke_of(i: Glyph, b: Glyph) -> bool:
            return _overlap(i.bbox_xyxy[1], i.bbox_xyxy[3], b.bbox_xyxy[1], b.bbox_xyxy[3])

    bars = [
        b
        for b in bars
        if before_time(b)
        or not any(i.bbox_xyxy[0] < b.center_xy[0] < i.bbox_xyxy[2] and stroke_of(i, b) for i in strokes)
    ]
    bar_clusters = _cluster_x(bars, 0.8 * sp)
    if len(system.staves) > 1:
        # in a system whose barlines cross every staff, a barline on one staff alone is a stem whose
        # notehead was missed (a line finder's false barline), not a measure boundary
        def covered(cl: list[Glyph]) -> int:
            return sum(
                any(g.bbox_xyxy[1] <= st.bottom and g.bbox_xyxy[3] >= st.top for g in cl)
                for st in system.staves
            )

        n_cover = [covered(cl) for cl in bar_clusters]
        head_gs_all = [g for name, gs in by_class.items() if head_kind(name) for g in gs]
        full = sum(c == len(system.staves) for c in n_cover)
        if full >= 2 and full >= 0.5 * len(n_cover):
            if cfg.stem_barlines and any(g.score < 1.0 for g in by_class.get("barline", []) + head_gs_all):
                # (detected symbols only: a line finder's stems and barlines score 1) unless the other staves have a detected "stem" at its x running from their top line
                # to their bottom line with no head at either end: the barline read as a stem there
                def headless_span(s: Glyph, st: Staff) -> bool:
                    sx, (_, y0, _, y1) = s.center_xy[0], s.bbox_xyxy
                    if abs(y0 - st.top) > 0.5 * sp or abs(y1 - st.bottom) > 0.5 * sp:
                        return False
                    return not any(
                        h.bbox_xyxy[0] - cfg.stem_x_tol * sp <= sx <= h.bbox_xyxy[2] + cfg.stem_x_tol * sp
                        and min(abs(h.center_xy[1] - y0), abs(h.center_xy[1] - y1)) <= 0.8 * sp
                        for h in head_gs_all
                    )

                for k, cl in enumerate(bar_clusters):
                    if n_cover[k] != 1:
                        continue
                    bar_cx = float(np.mean([g.center_xy[0] for g in cl]))
                    bar_stems: list[Glyph] = []
                    for st in system.staves:
                        if any(g.bbox_xyxy[1] <= st.bottom and g.bbox_xyxy[3] >= st.top for g in cl):
                            continue
                        stem_cands = [
                            s
                            for s in by_class.get("stem", [])
                            if abs(s.center_xy[0] - bar_cx) <= 0.5 * sp and headless_span(s, st)
                        ]
                        if not stem_cands:
                            break
                        bar_stems.append(stem_cands[0])
                    else:
                        for s in bar_stems:
                            by_class["stem"].remove(s)
                            cl.append(Glyph("barline", s.bbox_xyxy, s.score, s.glyph_id))
                        n_cover[k] = len(system.staves)
            bar_clusters = [cl for cl, c in zip(bar_clusters, n_cover, strict=True) if c > 1]
    bar_xs: list[tuple[float, str]] = []
    repeat_start_first = False
    for cl in bar_clusters:
        cx = float(np.mean([g.center_xy[0] for g in cl]))
        kind = max((g.class_name for g in cl), key=lambda n: _BAR_RANK.get(n, 0))
        if any(g.class_name == "repeatLeftRight" for g in cl):
            kind = "repeatLeftRight"
        if cx < x0 + 1.5 * sp:
            repeat_start_first |= kind == "repeatLeft"
            if cfg.repeat_dots_at_bars and kind in _PLAIN_BARS:  # a start repeat opening the line
                dots_r = [d for d in by_class.get("repeatDot", []) if cx < d.center_xy[0] <= cx + 1.5 * sp]
                repeat_start_first |= len(dots_r) >= 2
            continue
        bar_xs.append((cx, kind))
    bounds = [x0] + [x for x, _ in bar_xs]
    kinds = [k for _, k in bar_xs]
    if not bar_xs or bar_xs[-1][0] < x1 - 2 * sp:
        bounds.append(x1)
        kinds.append("none")
    regions = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]

    # clefs, key and time signatures per staff
    timelines = {sid: _StaffTimeline() for sid in staff_ids}
    octave_marks = by_class.get("clef8", []) + by_class.get("clef15", [])
    for name in list(by_class):
        for g in by_class[name]:
            clef = clef_from_class(name)
            if clef is None:
                continue
            sid = staff_of(g.center_xy[1])
            st = page_staves[sid]
            if min(g.bbox_xyxy[3], st.bottom) - max(g.bbox_xyxy[1], st.top) < 1.5 * st.staff_space_px:
                continue  # a clef sits on its staff's lines; one beside the staff is a misread (a letter)
            if clef.sign == "C":
                pos = (st.bottom - g.center_xy[1]) / (st.staff_space_px / 2.0)
                clef = clef_from_class(name, c_clef_line(pos)) or clef
            for m in octave_marks:
                if _overlap(m.bbox_xyxy[0], m.bbox_xyxy[2], g.bbox_xyxy[0] - sp, g.bbox_xyxy[2] + sp) and (
                    abs(m.center_xy[1] - g.center_xy[1]) < 5 * sp
                ):
                    shift = 1 if m.class_name == "clef8" else 2
                    clef = Clef(clef.sign, clef.line, shift if m.center_xy[1] < g.center_xy[1] else -shift)
            timelines[sid].clefs.append((g.bbox_xyxy[0], clef))
            if g.score < 1.0:
                timelines[sid].detected_clefs.add(g.bbox_xyxy[0])
    keys = by_class.get("keySharp", []) + by_class.get("keyFlat", []) + by_class.get("keyNatural", [])
    if cfg.keys_off_barlines:
        # a detected key accidental standing on a barline (between a double barline's strokes) is the
        # barline's ink misread: a key signature stands right of its barline
        keys = [
            k
            for k in keys
            if k.score >= 1.0
            or not any(
                b.bbox_xyxy[0] - 0.3 * sp <= k.center_xy[0] <= b.bbox_xyxy[2] + 0.3 * sp
                and _overlap(b.bbox_xyxy[1], b.bbox_xyxy[3], k.bbox_xyxy[1], k.bbox_xyxy[3])
                for b in bars
            )
        ]
    for sid in staff_ids:
        mine = [g for g in keys if staff_of(g.center_xy[1]) == sid]
        for cl in _cluster_x(mine, 1.2 * sp):
            n_sharp = sum(g.class_name == "keySharp" for g in cl)
            n_flat = sum(g.class_name == "keyFlat" for g in cl)
            timelines[sid].keys.append((cl[0].bbox_xyxy[0], n_sharp - n_flat))
        digits = [g for name, gs in by_class.items() if name.startswith("timeSig") for g in gs]
        mine_t = [g for g in digits if staff_of(g.center_xy[1]) == sid]
        for cl in _cluster_x(mine_t, 0.6 * sp):
            ts = _read_time(cl, page_staves[sid])
            if ts is not None:
                # where the time signature stands: its digits' left edge (the rightmost of a stack, as a
                # detected digit's box may reach left over the barline before it)
                tx = max(g.bbox_xyxy[0] for g in cl) if cfg.barline_before_time else cl[0].bbox_xyxy[0]
                timelines[sid].times.append((tx, ts))
                if min(g.score for g in cl) < 1.0:
                    timelines[sid].detected_times.add(tx)
    for tl in timelines.values():
        tl.clefs.sort(key=lambda t: t[0])
        tl.keys.sort(key=lambda t: t[0])
        tl.times.sort(key=lambda t: t[0])

    ledgers = by_class.get("legerLine", [])

    def head_staff(g: Glyph) -> int:
        """The staff of a notehead: the nearest, except that a head in the gap between two staves goes
        to the one its ledger lines lead to (a head two ledgers below one staff may sit nearer the next).

        A staff "leads to" the head when a ledger line stands at every line position between the staff
        and the head (one staff space apart, from the staff outward), under the head's x.
        """
        cx, cy = g.center_xy
        k = nearest_staff(list(system.staves), cy)
        stv = system.staves
        near = [
            ld.center_xy[1]
            for ld in ledgers
            if ld.bbox_xyxy[0] - 0.2 * sp <= cx <= ld.bbox_xyxy[2] + 0.2 * sp
        ]

        def leads(st: Staff, below: bool) -> bool:
            s_p = st.staff_space_px
            dist = (cy - st.bottom) if below else (st.top - cy)
            n = int(np.floor(dist / s_p + 0.3))  # ledger positions passed on the way to the head
            for j in range(1, n + 1):
                y = st.bottom + j * s_p if below else st.top - j * s_p
                if not any(abs(y - ly) <= 0.35 * s_p for ly in near) and not (
                    # the line finder drops ledger lines that run into their neighbours' (a row of
                    # low notes): a detected head's ledger line seen in the ink counts too
                    cfg.ink_ledgers
                    and g.score < 1.0
                    and ink is not None
                    and _ink_row(ink, y, g.bbox_xyxy[0], g.bbox_xyxy[2], s_p)
                ):
                    return False
            return True

        for a, b in ((k - 1, k), (k, k + 1)):
            if a < 0 or b >= len(stv) or not (stv[a].bottom < cy < stv[b].top):
                continue
            up, down = leads(stv[a], True), leads(stv[b], False)
            if up != down:
                return staff_ids[a] if up else staff_ids[b]
            if up and down and cfg.ledger_beyond:
                # a note's ledger lines never pass it on the side away from its staff: a ledger line just
                # beyond the head (toward the other staff) says whose note it is
                past_a = any(0.3 * sp < ly - cy < 1.2 * sp for ly in near)  # toward the lower staff
                past_b = any(0.3 * sp < cy - ly < 1.2 * sp for ly in near)
                if past_a != past_b:
                    return staff_ids[b] if past_a else staff_ids[a]
            if up and down and cfg.ledger_grid:
                # staves so close that one's ledger lines reach the other: the staff on whose line
                # grid the head sits (a head on a ledger line or in a space, not between)
                off = [
                    abs(x - round(x))
                    for x in (
                        (cy - stv[a].bottom) / (stv[a].staff_space_px / 2),
                        (stv[b].top - cy) / (stv[b].staff_space_px / 2),
                    )
                ]
                if abs(off[0] - off[1]) > 0.2:
                    return staff_ids[a] if off[0] < off[1] else staff_ids[b]
        return staff_ids[k]

    def ledgered(g: Glyph, st: Staff) -> bool:
        """Whether a head beyond its staff has its first ledger line (one space outside the staff,
        as a glyph or as a horizontal stroke in the ink wider than the head); heads within a ledger
        position of the staff need none."""
        s_p = st.staff_space_px
        cy = g.center_xy[1]
        if st.top - 1.3 * s_p <= cy <= st.bottom + 1.3 * s_p:
            return True
        y = st.bottom + s_p if cy > st.bottom else st.top - s_p
        x0, x1 = g.bbox_xyxy[0], g.bbox_xyxy[2]
        if any(
            abs(ld.center_xy[1] - y) <= 0.4 * s_p and ld.bbox_xyxy[0] <= x1 and x0 <= ld.bbox_xyxy[2]
            for ld in ledgers
        ):
            return True
        if ink is None:
            return True
        return _ink_row(ink, y, x0, x1, s_p)

    # noteheads and stems -> groups
    heads: list[_Head] = []
    skipped: list[tuple[int, float, float]] = []  # (staff, x, score) of detected heads taken for no note
    grace_groups: list[_Group] = []
    for name, gs in by_class.items():
        if name in _GRACE_GLYPHS:
            stem_dir, slash = _GRACE_GLYPHS[name]
            for g in gs:
                hy = g.bbox_xyxy[3] - 0.4 * sp if stem_dir == "up" else g.bbox_xyxy[1] + 0.4 * sp
                h = _Head(g, staff_of(hy), hy)
                grace_groups.append(
                    _Group(
                        [h],
                        h.staff,
                        g.center_xy[0],
                        "black",
                        stem_dir=stem_dir,
                        flags=1,
                        grace=True,
                        grace_slash=slash,
                    )
                )
            continue
        if not head_kind(name):
            continue
        hollow = head_kind(name) in ("half", "whole", "breve")
        for g in gs:
            sid_h = head_staff(g)
            if (
                not hollow
                and g.score < cfg.beam_head_score
                and any(
                    min(g.bbox_xyxy[2], b.bbox_xyxy[2]) > max(g.bbox_xyxy[0], b.bbox_xyxy[0])
                    and min(g.bbox_xyxy[3], b.bbox_xyxy[3]) > max(g.bbox_xyxy[1], b.bbox_xyxy[1])
                    for b in by_class.get("beam", [])
                )
            ):
                # an unsure black head touching a beam (the beam's end): no note, but its measure is
                # still flagged as unsure
                skipped.append((sid_h, g.center_xy[0], g.score))
                continue
            if g.score < 1.0 and ink is not None and not ledgered(g, page_staves[sid_h]):
                continue  # a "head" beyond the staff with no ledger line to it: a letter of the text
            heads.append(_Head(g, sid_h, g.center_xy[1]))
    stems = list(by_class.get("stem", []))
    if cfg.inner_stems and any(h.glyph.score < 1.0 for h in heads):
        # a short "stem" standing inside a notehead's box (away from its edges) is the heads' own ink
        # (two heads a line apart), no stem: it made a head a unison of two voices
        def inner(st_g: Glyph) -> bool:
            sx_i = st_g.center_xy[0]
            return st_g.bbox_xyxy[3] - st_g.bbox_xyxy[1] < 2.5 * sp and any(
                h.glyph.bbox_xyxy[0] + 0.25 * (h.glyph.bbox_xyxy[2] - h.glyph.bbox_xyxy[0])
                <= sx_i
                <= h.glyph.bbox_xyxy[2] - 0.25 * (h.glyph.bbox_xyxy[2] - h.glyph.bbox_xyxy[0])
                and h.glyph.bbox_xyxy[1] - 0.5 * sp <= st_g.center_xy[1] <= h.glyph.bbox_xyxy[3] + 0.5 * sp
                for h in heads
            )

        stems = [st_g for st_g in stems if not inner(st_g)]
    if cfg.stems_beyond_heads and any(h.glyph.score < 1.0 for h in heads):
        # a "stem" that stays within the column of heads it stands beside (two heads at least) while
        # another stem leaves that column: the stacked heads' outline, not a stem
        # the black and half heads, and each stem's column, found once (a column was made again for
        # every pair of stems, each head's kind looked up again for every stem)
        black_half = [h for h in heads if head_kind(h.glyph.class_name) in ("black", "half")]
        stem_cols: dict[int, list[_Head]] = {}

        def column(st_g: Glyph) -> list[_Head]:
            known = stem_cols.get(id(st_g))
            if known is not None:
                return known
            sx_c = st_g.center_xy[0]
            col = [
                h
                for h in black_half
                if h.glyph.bbox_xyxy[0] - 0.3 * sp <= sx_c <= h.glyph.bbox_xyxy[2] + 0.3 * sp
                and h.glyph.bbox_xyxy[1] - sp <= st_g.bbox_xyxy[3]
                and st_g.bbox_xyxy[1] <= h.glyph.bbox_xyxy[3] + sp
            ]
            stem_cols[id(st_g)] = col
            return col

        def leaves(st_g: Glyph, col: list[_Head]) -> bool:
            top = min(h.glyph.bbox_xyxy[1] for h in col)
            bottom = max(h.glyph.bbox_xyxy[3] for h in col)
            return st_g.bbox_xyxy[1] < top - 1.5 * sp or st_g.bbox_xyxy[3] > bottom + 1.5 * sp

        def outline(st_g: Glyph) -> bool:
            col = column(st_g)
            if len(col) < 2 or leaves(st_g, col):
                return False
            top = min(h.glyph.bbox_xyxy[1] for h in col)
            bottom = max(h.glyph.bbox_xyxy[3] for h in col)
            if st_g.bbox_xyxy[1] < top - 0.5 * sp or st_g.bbox_xyxy[3] > bottom + 0.5 * sp:
                return False
            return any(
                o is not st_g and leaves(o, col) and set(map(id, column(o))) & set(map(id, col))
                for o in stems
            )

        stems = [st_g for st_g in stems if not outline(st_g)]
    if ink is not None and cfg.pixel_stems:
        # detected black and half heads with no stem glyph beside them: their stems from the ink
        # (one per chord: stems found from several heads of a chord are merged)
        found: list[Glyph] = []
        for h in heads:
            if head_kind(h.glyph.class_name) not in ("black", "half") or h.glyph.score >= 1.0:
                continue
            hx0, _, hx1, _ = h.glyph.bbox_xyxy
            if any(
                hx0 - cfg.stem_x_tol * sp <= s.center_xy[0] <= hx1 + cfg.stem_x_tol * sp
                and s.bbox_xyxy[1] - 0.6 * sp <= h.cy <= s.bbox_xyxy[3] + 0.6 * sp
                for s in stems
            ):
                continue
            box = find_stem(ink, h.glyph.bbox_xyxy, sp)
            if box is None:
                continue
            for k, f in enumerate(found):
                if abs(f.center_xy[0] - (box[0] + box[2]) / 2) <= 0.3 * sp and _overlap(
                    f.bbox_xyxy[1], f.bbox_xyxy[3], box[1], box[3]
                ):
                    fb = f.bbox_xyxy
                    found[k] = replace(f, bbox_xyxy=(fb[0], min(fb[1], box[1]), fb[2], max(fb[3], box[3])))
                    break
            else:
                found.append(Glyph("stem", box, h.glyph.score, h.glyph.glyph_id))
        stems += found
    stem_of: dict[int, int] = {}
    stem_options: dict[int, list[int]] = {}
    for hi, h in enumerate(heads):
        if head_kind(h.glyph.class_name) in ("whole", "breve"):
            continue
        hx0, hy0, hx1, hy1 = h.glyph.bbox_xyxy
        options: list[tuple[float, int]] = []
        for si, s in enumerate(stems):
            sx = s.center_xy[0]
            if not (hx0 - cfg.stem_x_tol * sp <= sx <= hx1 + cfg.stem_x_tol * sp):
                continue
            if not (s.bbox_xyxy[1] - 0.6 * sp <= h.cy <= s.bbox_xyxy[3] + 0.6 * sp):
                continue
            options.append((min(abs(sx - hx0), abs(sx - hx1)), si))
        if options:
            stem_options[hi] = [si for _, si in sorted(options)]
            stem_of[hi] = stem_options[hi][0]
    if cfg.accidental_stems:
        # an accidental's upright standing just beside a detected head reads as a stem on the head's
        # left; of several stems a head could take, those lying on an accidental's box are its strokes
        acc_b = [
            g.bbox_xyxy
            for name in ACCIDENTAL_ALTER
            for g in by_class.get(name, [])
            if name.startswith("accidental") and g.score < 1.0
        ]

        def on_accidental(si: int) -> bool:
            x, _ = stems[si].center_xy
            s0, s1 = stems[si].bbox_xyxy[1], stems[si].bbox_xyxy[3]
            return any(
                b[0] - 0.2 * sp <= x <= b[2] + 0.2 * sp and b[1] - 0.3 * sp <= s0 and s1 <= b[3] + 0.3 * sp
                for b in acc_b
            )

        for hi, opts in stem_options.items():
            if len(opts) > 1 and heads[hi].glyph.score < 1.0:
                keep = [si for si in opts if not on_accidental(si)]
                if keep and len(keep) < len(opts):
                    stem_options[hi] = keep
                    stem_of[hi] = keep[0]
    if cfg.anchored_stems:
        # a stem leaves a chord from its end head: an up stem (at the heads' right edges) from the
        # lowest, a down stem (left edges) from the highest. A head whose nearer stem has no head at
        # that end (another voice's stem passing beside it) takes a stem that has one
        def anchored(hi: int, si: int) -> bool:
            hx0, _, hx1, _ = heads[hi].glyph.bbox_xyxy
            st_box = stems[si].bbox_xyxy
            sx = stems[si].center_xy[0]
            end_y = st_box[3] if abs(sx - hx1) < abs(sx - hx0) else st_box[1]
            return any(
                abs(o.cy - end_y) <= 0.8 * sp
                and o.glyph.bbox_xyxy[0] - cfg.stem_x_tol * sp
                <= sx
                <= o.glyph.bbox_xyxy[2] + cfg.stem_x_tol * sp
                for o in heads
            )

        for hi, opts in stem_options.items():
            if len(opts) > 1 and not anchored(hi, opts[0]):
                good = [si for si in opts if anchored(hi, si)]
                if good:
                    stem_options[hi] = good + [si for si in opts if si not in good]
                    stem_of[hi] = good[0]
    # one head drawn for two voices (a unison) is annotated once per voice: the copies take different
    # stems (the up stem and the down stem), not both the nearer one
    copies: dict[tuple[str, tuple[int, ...]], list[int]] = defaultdict(list)
    for hi in stem_of:
        g = heads[hi].glyph
        if g.score >= 1.0:
            copies[(g.class_name, tuple(round(v / (0.2 * sp)) for v in g.bbox_xyxy))].append(hi)
    for his in copies.values():
        taken: set[int] = set()
        for hi in his:
            free = [si for si in stem_options[hi] if si not in taken]
            if free:
                stem_of[hi] = free[0]
                taken.add(free[0])
    if cfg.shared_heads:
        # a detected head with an up stem leaving its right side and a down stem leaving its left side
        # is a unison of two voices drawn once: one note per stem (the detector finds the head once)
        acc_boxes = [g.bbox_xyxy for name in ACCIDENTAL_ALTER for g in by_class.get(name, [])]

        def in_accidental(si: int) -> bool:  # a sharp's or natural's upright read as a stem
            x, y = stems[si].center_xy
            return any(b[0] - 1 <= x <= b[2] + 1 and b[1] <= y <= b[3] for b in acc_boxes)

        for hi in list(stem_of):
            h = heads[hi]
            if h.glyph.score >= 1.0 or len(stem_options[hi]) < 2:
                continue
            mid = (h.glyph.bbox_xyxy[0] + h.glyph.bbox_xyxy[2]) / 2
            ups = [
                si
                for si in stem_options[hi]
                if stems[si].center_xy[0] >= mid
                and stems[si].bbox_xyxy[1] < h.cy - 1.5 * sp
                and stems[si].bbox_xyxy[3] <= h.cy + sp
            ]
            downs = [
                si
                for si in stem_options[hi]
                if stems[si].center_xy[0] < mid
                and stems[si].bbox_xyxy[3] > h.cy + 1.5 * sp
                and stems[si].bbox_xyxy[1] >= h.cy - sp
            ]
            ups = [si for si in ups if not in_accidental(si)]
            downs = [si for si in downs if not in_accidental(si)]
            if ups and downs:
                heads.append(_Head(h.glyph, h.staff, h.cy))
                stem_of[hi], stem_of[len(heads) - 1] = ups[0], downs[0]
    # a black or half head whose stem was missed but that sits under (or over) a beam or beside a flag:
    # draw the stem it must have, from the head to that beam or flag
    stems = list(stems)
    reach = by_class.get("beam", []) + [g for name in FLAG_COUNT for g in by_class.get(name, [])]
    drawn: dict[int, tuple[Glyph, bool]] = {}  # stem index -> (beam or flag it was drawn to, up)
    for hi, h in enumerate(heads):
        if hi in stem_of or head_kind(h.glyph.class_name) not in ("black", "half"):
            continue
        hx0, _, hx1, _ = h.glyph.bbox_xyxy
        near = [
            b
            for b in reach
            if b.bbox_xyxy[0] - 0.3 * sp <= hx1
            and hx0 <= b.bbox_xyxy[2] + 0.3 * sp
            and min(abs(b.bbox_xyxy[1] - h.cy), abs(b.bbox_xyxy[3] - h.cy)) <= 4.5 * sp
        ]
        if not near:
            continue
        b = min(near, key=lambda b: min(abs(b.bbox_xyxy[1] - h.cy), abs(b.bbox_xyxy[3] - h.cy)))
        up = b.center_xy[1] < h.cy
        sx = hx1 - 0.5 if up else hx0 + 0.5
        y0, y1 = (b.bbox_xyxy[1], h.cy) if up else (h.cy, b.bbox_xyxy[3])
        shared = next(
            (
                k
                for k, (bk, upk) in drawn.items()
                if cfg.beam_stem_chords
                and bk is b
                and upk == up
                and abs(stems[k].center_xy[0] - sx) <= 0.4 * sp
            ),
            None,
        )
        if shared is not None:  # another head of the chord drew a stem to this beam: lengthen that one
            box = stems[shared].bbox_xyxy
            stems[shared] = replace(
                stems[shared], bbox_xyxy=(box[0], min(box[1], y0), box[2], max(box[3], y1))
            )
            stem_of[hi] = shared
            continue
        stems.append(Glyph("stem", (sx - 0.5, y0, sx + 0.5, y1), h.glyph.score, h.glyph.glyph_id))
        stem_of[hi] = len(stems) - 1
        drawn[len(stems) - 1] = (b, up)
    if cfg.ottava:
        _apply_ottavas(
            by_class.get("ottavaBracket", []),
            heads + [h for gg in grace_groups for h in gg.heads],
            page_staves,
            staff_ids,
            sp,
        )
    groups: list[_Group] = list(grace_groups)
    by_stem: dict[int, list[_Head]] = defaultdict(list)
    stemless: list[_Head] = []
    for hi, h in enumerate(heads):
        if hi in stem_of:
            by_stem[stem_of[hi]].append(h)
        else:
            stemless.append(h)
    for si, hs in by_stem.items():
        s = stems[si]
        sx = s.center_xy[0]
        hx = float(np.mean([h.glyph.center_xy[0] for h in hs]))
        staff = Counter(h.staff for h in hs).most_common(1)[0][0]
        if len({h.staff for h in hs}) > 1:
            # heads of one stem read on two staves (low heads between staves): the chord belongs to the
            # staff its stem runs along (a stem leaves the heads towards their own staff)
            def along(sid: int, s: Glyph = s) -> float:
                st_b = page_staves[sid]
                return min(s.bbox_xyxy[3], st_b.bottom) - max(s.bbox_xyxy[1], st_b.top)

            staff = max(sorted({h.staff for h in hs}), key=along)
            for h in hs:
                h.staff = staff
        head_kinds = Counter(head_kind(h.glyph.class_name) for h in hs)
        small = any(h.glyph.class_name.endswith("Small") for h in hs)
        groups.append(
            _Group(
                hs,
                staff,
                hx,
                head_kinds.most_common(1)[0][0],
                stem=s,
                stem_dir="up" if sx > hx else "down",
                grace=small,
            )
        )
    if cfg.chord_join:
        # a detected head with no stem of its own in line with a stemmed chord, beyond the chord's
        # head end (below an up stem's lowest head, above a down stem's highest) and within three
        # spaces of it: the stem's ink between the heads was missed, the head is the chord's
        for h in list(stemless):
            if h.glyph.score >= 1.0 or head_kind(h.glyph.class_name) not in ("black", "half"):
                continue
            hx = h.glyph.center_xy[0]
            for gr in groups:
                if (
                    gr.stem is None
                    or gr.staff != h.staff
                    or gr.grace
                    or gr.kind != head_kind(h.glyph.class_name)
                ):
                    continue
                if abs(gr.x - hx) > 0.4 * sp:
                    continue
                ys = [o.cy for o in gr.heads]
                beyond = h.cy > max(ys) if gr.stem_dir == "up" else h.cy < min(ys)
                if beyond and min(abs(o - h.cy) for o in ys) <= 3.0 * sp:
                    gr.heads.append(h)
                    stemless.remove(h)
                    break
    for h in sorted(stemless, key=lambda h: h.glyph.center_xy[0]):
        for gr in groups:
            if (
                gr.stem is None
                and not gr.is_rest
                and gr.staff == h.staff
                and (
                    abs(gr.x - h.glyph.center_xy[0]) <= cfg.chord_x_tol * sp
                    or (
                        # whole notes a second apart: the engraver sets one a head width aside
                        cfg.stemless_seconds
                        and gr.kind in ("whole", "breve")
                        and head_kind(h.glyph.class_name) == gr.kind
                        and abs(gr.x - h.glyph.center_xy[0]) <= 2.0 * sp
                        and any(abs(o.cy - h.cy) <= 0.6 * sp for o in gr.heads)
                    )
                )
            ):
                gr.heads.append(h)
                break
        else:
            small = h.glyph.class_name.endswith("Small")
            groups.append(
                _Group([h], h.staff, h.glyph.center_xy[0], head_kind(h.glyph.class_name), grace=small)
            )

    # flags, beams, grace slashes on stems
    flags = [g for name in FLAG_COUNT for g in by_class.get(name, [])]
    beams = by_class.get("beam", [])
    slashes = by_class.get("graceSlash", [])

    def holds(b: Glyph, gr: _Group) -> bool:
        """Whether beam `b` already joins another stem of the group's staff and direction (a beam
        across the stem's x may be another staff's or voice's)."""
        return any(
            o is not gr
            and o.stem is not None
            and o.staff == gr.staff
            and o.stem_dir == gr.stem_dir
            and b.bbox_xyxy[0] - 0.25 * sp <= o.stem.center_xy[0] <= b.bbox_xyxy[2] + 0.25 * sp
            and _overlap(
                b.bbox_xyxy[1], b.bbox_xyxy[3], o.stem.bbox_xyxy[1] - 0.3 * sp, o.stem.bbox_xyxy[3] + 0.3 * sp
            )
            for o in groups
        )

    stroke_ink: np.ndarray | None = ink
    marks_near_stems = [
        g
        for g in glyphs
        if g.class_name.startswith(_STEM_END_MARKS)
        and g.class_name != "tupletBracket"
        and g.score >= cfg.min_tuplet_score
    ]
    if ink is not None and cfg.strokes_skip_marks and marks_near_stems:
        # a tuplet number standing on a beam is no beam stroke at the stems' ends
        stroke_ink = ink.copy()
        for g in marks_near_stems:
            mx0, my0, mx1, my1 = (int(round(v)) for v in g.bbox_xyxy)
            stroke_ink[max(0, my0) : max(0, my1 + 1), max(0, mx0) : max(0, mx1 + 1)] = False
    for gr in groups:
        stem_g = gr.stem
        if stem_g is None:
            continue
        s = stem_g
        sx = s.center_xy[0]
        sy0, sy1 = s.bbox_xyxy[1], s.bbox_xyxy[3]
        if gr.detected and gr.kind == "black" and not gr.grace:
            # a detected stem that stops short of the beam over it (a faint stem's ink breaks off):
            # the stem runs on to the nearest beam across its x within 2.5 spaces beyond its far end
            # that joins other stems of its staff and direction
            up = gr.stem_dir == "up"
            across = [b for b in beams if b.bbox_xyxy[0] - 0.25 * sp <= sx <= b.bbox_xyxy[2] + 0.25 * sp]
            if not any(
                _overlap(b.bbox_xyxy[1], b.bbox_xyxy[3], sy0 - 0.3 * sp, sy1 + 0.3 * sp) for b in across
            ):
                gaps = [(sy0 - b.bbox_xyxy[3] if up else b.bbox_xyxy[1] - sy1, b) for b in across]
                gaps = [(d, b) for d, b in gaps if 0 <= d <= 2.5 * sp and holds(b, gr)]
                if gaps:
                    b = min(gaps, key=lambda t: t[0])[1]
                    sy0, sy1 = (b.bbox_xyxy[1], sy1) if up else (sy0, b.bbox_xyxy[3])
                    s = replace(s, bbox_xyxy=(s.bbox_xyxy[0], sy0, s.bbox_xyxy[2], sy1))
                    gr.stem = s
        for f in flags:
            if f.bbox_xyxy[0] - 0.4 * sp <= sx <= f.bbox_xyxy[0] + 0.5 * sp and _overlap(
                f.bbox_xyxy[1], f.bbox_xyxy[3], sy0 - 0.5 * sp, sy1 + 0.5 * sp
            ):
                gr.flags = max(gr.flags, FLAG_COUNT[f.class_name])
                gr.extra_glyphs.append(f.glyph_id)
        # beam levels at this stem: beams running through it, plus the larger number of beam pieces
        # ending at it from the left or starting at it to the right (engravers split broken levels)
        through = left = right = 0
        tol = 0.4 * sp
        mid_y = (sy0 + sy1) / 2
        head_y = float(np.mean([h.cy for h in gr.heads])) if gr.heads else mid_y
        for bi, b in enumerate(beams):
            bx0, _, bx1, _ = b.bbox_xyxy
            # beams leave a stem's far end: a detected "beam" on the heads' side of the stem's middle
            # is a misread ledger line
            far = not gr.detected or (b.center_xy[1] - mid_y) * (head_y - mid_y) < 0
            if (
                far
                and bx0 - 0.25 * sp <= sx <= bx1 + 0.25 * sp
                and _overlap(b.bbox_xyxy[1], b.bbox_xyxy[3], sy0 - 0.3 * sp, sy1 + 0.3 * sp)
            ):
                gr.beams.append(bi)
                gr.beam_x.append((bi, bx0, bx1))
                if bx0 < sx - tol and bx1 > sx + tol:
                    through += 1
                elif bx0 < sx - tol:
                    left += 1
                else:
                    right += 1
        gr.beam_levels = through + max(left, right)
        detected = min(h.glyph.score for h in gr.heads) < 1.0  # annotations (ground truth) say 1.0
        if (
            ink is not None
            and cfg.pixel_beams
            and detected
            and gr.kind == "black"
            and not gr.grace
            and not gr.flags
        ):
            # the strokes leaving the stem's far end, read from the ink, where they are more than the
            # beam glyphs say (a line finder drops a double beam whose band looks too thick for one,
            # or reads two levels as one)
            gr.px_strokes = stem_end_strokes(
                ink if stroke_ink is None else stroke_ink,
                s.bbox_xyxy,
                gr.stem_dir == "up",
                sp,
                cfg.strokes_attached,
                cfg.stem_end_reach,
            )
            gr.beam_levels = max(gr.beam_levels, *gr.px_strokes)
        gr.extra_glyphs.append(s.glyph_id)
    # a grace slash marks one stem: the small-headed one nearest to it among those it crosses (not a
    # full-size note just after the grace note)
    for sl in slashes:
        crossed = [
            gr
            for gr in groups
            if gr.stem is not None
            and _overlap(
                sl.bbox_xyxy[0], sl.bbox_xyxy[2], gr.stem.center_xy[0] - sp, gr.stem.center_xy[0] + sp
            )
            and _overlap(sl.bbox_xyxy[1], sl.bbox_xyxy[3], gr.stem.bbox_xyxy[1], gr.stem.bbox_xyxy[3])
        ]
        if cfg.slash_small_only and sl.score < 1.0:
            # a detected slash across a full-size note's stem (a flag or a beam end misread) makes no
            # grace note: only stems of small heads take it
            crossed = [gr for gr in crossed if any(h.glyph.class_name.endswith("Small") for h in gr.heads)]
        if crossed:
            slashed = min(
                crossed,
                key=lambda gr: (
                    not any(h.glyph.class_name.endswith("Small") for h in gr.heads),
                    abs((gr.stem.center_xy[0] if gr.stem is not None else gr.x) - sl.center_xy[0]),
                ),
            )
            slashed.grace_slash = True
            slashed.grace = True

    # rests
    used_stems = [gr.stem.bbox_xyxy for gr in groups if gr.stem is not None]
    for name, value in REST_VALUE.items():
        for g in by_class.get(name, []):
            x0, y0, x1, y1 = g.bbox_xyxy
            if (
                cfg.rests_off_stems
                and g.score < 1.0
                and value >= 2
                and any(
                    sb[0] - 0.2 * sp < x1 and x0 < sb[2] + 0.2 * sp and sb[1] < y1 and y0 < sb[3]
                    for sb in used_stems
                )
            ):
                # a detected whole or half rest on a note's stem: a beam's end or a line crossing it
                skipped.append((staff_of(g.center_xy[1]), g.center_xy[0], g.score))
                continue
            groups.append(
                _Group([], staff_of(g.center_xy[1]), g.center_xy[0], "rest", rest_glyph=g, value=value)
            )

    # augmentation dots: to the nearest head or rest on their left, cheapest pairs first; a head takes
    # one dot per column (two dots stacked beside a chord belong to two of its heads, not one head)
    all_heads = [h for gr in groups for h in gr.heads]
    rest_groups = [gr for gr in groups if gr.rest_glyph is not None]
    dot_glyphs = by_class.get("augmentationDot", [])
    dot_pairs: list[tuple[float, int, int, bool]] = []  # (cost, dot, head or rest index, is rest)
    for di, dot in enumerate(dot_glyphs):
        dx, dy = dot.center_xy
        for k, h in enumerate(all_heads):
            gap = dx - h.glyph.bbox_xyxy[2]
            if 0 <= gap <= cfg.dot_max_gap * sp and abs(dy - h.cy) <= 0.8 * sp:
                dot_pairs.append((gap + 2 * abs(dy - h.cy), di, k, False))
        for k, gr in enumerate(rest_groups):
            rb = gr.rest_glyph.bbox_xyxy if gr.rest_glyph is not None else (0.0, 0.0, 0.0, 0.0)
            gap = dx - rb[2]
            if 0 <= gap <= cfg.dot_max_gap * sp and rb[1] - 0.8 * sp <= dy <= rb[3] + 0.5 * sp:
                dot_pairs.append((gap + 0.5 * sp, di, k, True))
    # one matching per column of dots (dots within half a space in x): as many dots as can be placed,
    # then the cheapest; a head or rest takes one dot per column (greedy nearest-first gave a chord's
    # two dots of a second to its lower head, and the upper one none)
    cand: dict[int, dict[tuple[int, bool], float]] = defaultdict(dict)
    for cost, di, k, is_rest in dot_pairs:
        cand[di][(k, is_rest)] = min(cost, cand[di].get((k, is_rest), cost))
    order = sorted(cand, key=lambda di: dot_glyphs[di].center_xy[0])
    columns: list[list[int]] = []
    for di in order:
        if columns and dot_glyphs[di].center_xy[0] - dot_glyphs[columns[-1][-1]].center_xy[0] <= 0.5 * sp:
            columns[-1].append(di)
        else:
            columns.append([di])
    for col in columns:
        for di, (k, is_rest) in _match_column([cand[di] for di in col], col):
            if is_rest:
                rest_groups[k].dots += 1
                rest_groups[k].extra_glyphs.append(dot_glyphs[di].glyph_id)
            else:
                all_heads[k].dots += 1
                all_heads[k].dot_glyphs.append(dot_glyphs[di].glyph_id)
    for gr in groups:
        if gr.heads:
            # the usual dot count of the chord's heads (a stray dot on one head should not win)
            counts = Counter(h.dots for h in gr.heads if h.dots)
            gr.dots = min(counts, key=lambda k: (-counts[k], k)) if counts else 0

    # accidentals: greedy matching of accidentals to heads on their right
    pairs: list[tuple[float, int, int]] = []
    accs = [g for name in ACCIDENTAL_ALTER for g in by_class.get(name, [])]
    for ai, a in enumerate(accs):
        ax1 = a.bbox_xyxy[2]
        anchor = a.bbox_xyxy[3] - 0.7 * sp if "Flat" in a.class_name else a.center_xy[1]
        for hi, h in enumerate(all_heads):
            gap = h.glyph.bbox_xyxy[0] - ax1
            dy = abs(anchor - h.cy)
            if -0.3 * sp <= gap <= cfg.accidental_max_gap * sp and dy <= 0.45 * sp:
                pairs.append((dy / sp + 0.15 * gap / sp, ai, hi))
    used_a: set[int] = set()
    used_h: set[int] = set()
    for _, ai, hi in sorted(pairs):
        if ai in used_a or hi in used_h:
            continue
        used_a.add(ai)
        used_h.add(hi)
        all_heads[hi].accidental = ACCIDENTAL_ALTER[accs[ai].class_name]
        all_heads[hi].accidental_glyph = accs[ai].glyph_id

    # articulations, ornaments, fermatas: to the nearest group in x on the nearest staff
    def nearest_group(g: Glyph, rests_too: bool, max_dx: float) -> _Group | None:
        cx, cy = g.center_xy
        sid = staff_of(cy)
        cands = [gr for gr in groups if gr.staff == sid and (rests_too or not gr.is_rest) and not gr.grace]
        side = 1 if g.class_name.endswith("Above") else -1 if g.class_name.endswith("Below") else 0
        if cfg.marks_by_side and side:
            # a mark drawn above its note (below it) takes a note under it (over it), on either of the
            # staves around it: between the staves of a grand staff the nearer staff is often the other
            near_ids = {staff_of(cy - 3 * sp), sid, staff_of(cy + 3 * sp)}
            sided = [
                gr
                for gr in groups
                if gr.staff in near_ids
                and (rests_too or not gr.is_rest)
                and not gr.grace
                and (gr.cy - cy) * side > 0
            ]
            cands = sided or cands
        if not cands:
            return None
        best = min(cands, key=lambda gr: abs(gr.x - cx) + 0.2 * abs(gr.cy - cy))
        if abs(best.x - cx) > max_dx * sp:
            return None
        if g.score < 1.0:
            # a detected mark stands by its note: within a few spaces of its heads or its stem's end
            ys = [y for h in best.heads for y in (h.glyph.bbox_xyxy[1], h.glyph.bbox_xyxy[3])]
            if best.stem is not None:
                ys += [best.stem.bbox_xyxy[1], best.stem.bbox_xyxy[3]]
            if best.rest_glyph is not None:
                ys += [best.rest_glyph.bbox_xyxy[1], best.rest_glyph.bbox_xyxy[3]]
            if ys and max(min(ys) - cy, cy - max(ys)) > cfg.mark_max_dy * sp:
                return None
        return best

    for name, gs in by_class.items():
        base = name.removesuffix("Above").removesuffix("Below")
        for g in gs:
            if g.score < cfg.min_mark_score and (base in _ARTICS or base in _ORNAMENTS or base == "fermata"):
                continue
            if base in _ARTICS:
                ng = nearest_group(g, False, 1.5)
                if ng is not None and _ARTICS[base] not in ng.articulations:  # one of a kind per note
                    ng.articulations.append(_ARTICS[base])
                    ng.extra_glyphs.append(g.glyph_id)
            elif base in _ORNAMENTS:
                ng = nearest_group(g, False, 1.5)
                orn = _ORNAMENTS[base]
                tall = g.bbox_xyxy[3] - g.bbox_xyxy[1] >= cfg.mordent_stroke_spaces * sp
                if orn == "mordent" and cfg.mordent_inverted and not (cfg.mordent_stroke_spaces > 0 and tall):
                    orn = "inverted-mordent"
                if ng is not None and orn not in ng.ornaments:
                    ng.ornaments.append(orn)
                    ng.extra_glyphs.append(g.glyph_id)
            elif cfg.tremolos and base.startswith("tremolo") and base[7:].isdigit():
                if g.score < cfg.min_mark_score:
                    continue
                ng = nearest_group(g, False, 1.5)  # the strokes cross its stem (or sit by a whole note)
                if ng is not None and not any(o.startswith("tremolo") for o in ng.ornaments):
                    ng.ornaments.append(f"tremolo-{base[7:]}")
                    ng.extra_glyphs.append(g.glyph_id)
            elif base == "fermata":
                ng = nearest_group(g, True, 2.0)
                if ng is not None:
                    ng.fermata = True
                    ng.extra_glyphs.append(g.glyph_id)

    if cfg.ornament_accidentals:
        taken = {h.accidental_glyph for gr in groups for h in gr.heads}
        orn_glyphs = [
            g
            for name, gs in by_class.items()
            if name.removesuffix("Above").removesuffix("Below") in _ORNAMENTS
            for g in gs
            if g.score >= cfg.min_mark_score
        ]
        for name, alter in (("accidentalSharpSmall", "sharp"), ("accidentalFlatSmall", "flat"),
                            ("accidentalNaturalSmall", "natural")):  # fmt: skip
            for a in by_class.get(name, []):
                if a.glyph_id in taken or a.score < cfg.min_mark_score:
                    continue
                ax = (a.bbox_xyxy[0] + a.bbox_xyxy[2]) / 2
                by_gap = [
                    (max(o.bbox_xyxy[1] - a.bbox_xyxy[3], a.bbox_xyxy[1] - o.bbox_xyxy[3]), o)
                    for o in orn_glyphs
                    if o.bbox_xyxy[0] - 0.3 * sp <= ax <= o.bbox_xyxy[2] + 0.3 * sp
                ]
                by_gap = [(gap, o) for gap, o in by_gap if gap <= 1.0 * sp]
                if not by_gap:
                    continue
                orn_g = min(by_gap, key=lambda t: t[0])[1]
                side = "above" if a.bbox_xyxy[3] <= (orn_g.bbox_xyxy[1] + orn_g.bbox_xyxy[3]) / 2 else "below"
                for gr in groups:
                    if orn_g.glyph_id in gr.extra_glyphs:
                        if not any(
                            o.startswith("accidental-mark") and o.endswith(side) for o in gr.ornaments
                        ):
                            gr.ornaments.append(f"accidental-mark:{alter}:{side}")
                            gr.extra_glyphs.append(a.glyph_id)
                        break

    if ink is not None and cfg.pixel_staccato:
        # staccato dots the detector missed (it finds few): a small round blob on the head's side away
        # from the stem, for detected stemmed notes without an articulation
        for gr in groups:
            if gr.is_rest or gr.grace or gr.stem is None or gr.articulations or not gr.detected:
                continue
            heads_y = sorted(gr.heads, key=lambda hd: hd.cy)
            outer = heads_y[-1] if gr.stem_dir == "up" else heads_y[0]
            lines = page_staves[outer.staff].line_ys
            if staccato_dot(ink, outer.glyph.bbox_xyxy, gr.stem_dir == "up", sp, lines):
                gr.articulations.append("staccato")

    # dynamics (letters joined into words) and hairpins; between two staves they belong to the upper
    # one (engravers place them below the staff they mark), between two parts' staves to the nearer one
    # (`dynamics_nearest_part`)
    sung_gaps = {  # gaps between staves k and k + 1 that hold lyrics (a vocal part above the gap)
        k
        for g in by_class.get("lyricText", [])
        for k in range(len(system.staves) - 1)
        if system.staves[k].bottom < g.center_xy[1] < system.staves[k + 1].top
    }

    def staff_below_of(y: float, annotated: bool = False, grand: bool = True) -> int:
        above = [k for k, st in enumerate(system.staves) if st.top <= y]
        if not above:
            return staff_of(y)
        k = above[-1]
        if k + 1 < len(system.staves) and y > system.staves[k].bottom:
            to_lower, to_upper = system.staves[k + 1].top - y, y - system.staves[k].bottom
            nearer_lower = to_lower < 0.5 * to_upper
            if any(k in ps and k + 1 in ps for ps in system.part_staves):  # a grand staff's gap
                if grand and to_lower < cfg.dynamics_nearest_staff * to_upper:
                    return staff_ids[k + 1]
            elif (
                cfg.dynamics_nearest_part
                and (k in sung_gaps or not (cfg.dynamics_below_unsung and annotated))
                and nearer_lower
            ):
                return staff_ids[k + 1]
        return staff_ids[k]

    dynamics: list[tuple[int, float, str, str, float]] = []
    letters = [g for name in _DYN_LETTERS for g in by_class.get(name, []) if g.score >= cfg.min_mark_score]
    rows: dict[int, list[Glyph]] = defaultdict(list)
    for g in letters:  # join letters into words along one row (one staff), never across staves
        rows[staff_below_of(g.center_xy[1], g.score >= 1.0, grand=False)].append(g)
    for sid_row, row in rows.items():
        for cl in _cluster_x(row, 0.5 * sp):
            word = "".join(_DYN_LETTERS[g.class_name] for g in sorted(cl, key=lambda g: g.bbox_xyxy[0]))
            if word in _DYNAMICS:
                xc = (min(g.bbox_xyxy[0] for g in cl) + max(g.bbox_xyxy[2] for g in cl)) / 2
                # the word, not each letter, takes a grand staff's lower staff (p and f differ in height)
                yc = (min(g.bbox_xyxy[1] for g in cl) + max(g.bbox_xyxy[3] for g in cl)) / 2
                ann = all(g.score >= 1.0 for g in cl)
                sid = staff_below_of(yc, ann) if staff_below_of(yc, ann, grand=False) == sid_row else sid_row
                dynamics.append((sid, cl[0].bbox_xyxy[0], "dynamic", word, xc))
    for name, gs in by_class.items():
        if name.startswith("dynamicWord:"):
            for g in gs:
                dynamics.append(
                    (
                        staff_below_of(g.center_xy[1], g.score >= 1.0),
                        g.bbox_xyxy[0],
                        "dynamic",
                        name.split(":", 1)[1],
                        g.center_xy[0],
                    )
                )
    for name, kind in (("dynamicCrescendoHairpin", "crescendo"), ("dynamicDiminuendoHairpin", "diminuendo")):
        for g in by_class.get(name, []):
            sid = staff_below_of(g.center_xy[1], g.score >= 1.0, grand=False)
            dynamics.append((sid, g.bbox_xyxy[0], "wedge", kind, g.bbox_xyxy[0]))
            dynamics.append((sid, g.bbox_xyxy[2], "wedge", "stop", g.bbox_xyxy[0]))

    # ties and slurs
    heads_by_staff: dict[int, list[_Head]] = defaultdict(list)
    group_of_head: dict[int, _Group] = {}
    for gr in groups:
        for h in gr.heads:
            heads_by_staff[h.staff].append(h)
            group_of_head[id(h)] = gr
    if cfg.chord_ties:
        _attach_ties(by_class.get("tie", []), [h for gr in groups if not gr.grace for h in gr.heads], sp)
    for t in by_class.get("tie", []) if not cfg.chord_ties else []:
        tx0, ty0, tx1, ty1 = t.bbox_xyxy
        sid = staff_of((ty0 + ty1) / 2)
        hs = heads_by_staff.get(sid, [])
        tie_left = [
            h
            for h in hs
            if -1.0 * sp
            <= tx0 - h.glyph.bbox_xyxy[2]
            <= (1.2 + 1.2 * h.dots) * sp  # ties start after the dots
            and abs(h.cy - (ty0 + ty1) / 2) <= 2.0 * sp  # an arc sits up to a space off its heads
            and not group_of_head[id(h)].grace
        ]
        start = min(tie_left, key=lambda h: abs(h.cy - (ty0 + ty1) / 2), default=None)
        tie_right = [
            h
            for h in hs
            if -1.0 * sp <= h.glyph.bbox_xyxy[0] - tx1 <= 1.2 * sp
            and abs(h.cy - (ty0 + ty1) / 2) <= 2.0 * sp
            and (start is None or abs(h.cy - start.cy) <= 0.3 * sp)
            and h is not start
        ]
        end = min(tie_right, key=lambda h: abs(h.cy - (ty0 + ty1) / 2), default=None)
        if start is not None:
            start.tie_start = True
            start.tie_glyphs.append(t.glyph_id)
        if end is not None:
            end.tie_stop = True
            end.tie_glyphs.append(t.glyph_id)
    if ink is not None and cfg.pixel_ties and not by_class.get("tie"):
        # ties from the ink (the detector has no class for them): two neighbouring detected notes on a
        # staff with a head at the same height, the second without an accidental, and a thin arc
        # between them
        blockers = tuple(
            g.bbox_xyxy
            for g in glyphs
            if g.class_name in BARLINE_CLASSES
            or g.class_name in ACCIDENTAL_ALTER
            or g.class_name in ("augmentationDot", "systemicBarline")
            or g.class_name.startswith(("rest", "clef", "key", "timeSig", "notehead"))
        )
        if cfg.tie_double_sharps:
            fake = _tie_double_sharps(by_class.get("accidentalDoubleSharp", []), groups, sp)
            if fake:
                fake_boxes = {g.bbox_xyxy for g in glyphs if g.glyph_id in fake}
                blockers = tuple(b for b in blockers if b not in fake_boxes)
                for gr in groups:
                    for h in gr.heads:
                        if h.accidental_glyph in fake:
                            h.accidental, h.accidental_glyph = None, -1
        for sid in staff_ids:
            chain = sorted(
                (gr for gr in groups if gr.staff == sid and not gr.grace and gr.detected),
                key=lambda gr: gr.x,
            )
            lines = page_staves[sid].line_ys
            for ga, gb in zip(chain, chain[1:], strict=False):
                if ga.is_rest or gb.is_rest:
                    continue
                for ha in ga.heads:
                    if ha.tie_start:
                        continue
                    hb = next(
                        (h for h in gb.heads if abs(h.cy - ha.cy) <= 0.25 * sp and h.accidental is None),
                        None,
                    )
                    if hb is None or hb.tie_stop:
                        continue
                    x0, x1 = ha.glyph.bbox_xyxy[2], hb.glyph.bbox_xyxy[0]
                    in_gap = tuple(
                        b
                        for b in blockers
                        if b[0] <= x1 and x0 <= b[2] and b[1] <= ha.cy + 2 * sp and ha.cy - 2 * sp <= b[3]
                    )
                    if tie_arc(
                        ink,
                        ha.glyph.bbox_xyxy,
                        hb.glyph.bbox_xyxy,
                        sp,
                        lines,
                        in_gap,
                        line_runs=cfg.tie_line_runs,
                        close_heads=cfg.tie_close_heads and len(ga.heads) == 1 and len(gb.heads) == 1,
                    ):
                        ha.tie_start = hb.tie_stop = True
            if chain and not chain[-1].is_rest:
                # the staff's last note: a tie to the next system runs on to the end of the staff
                st_end = page_staves[sid].x1
                for ha in chain[-1].heads:
                    x0 = ha.glyph.bbox_xyxy[2]
                    end_box = (st_end, ha.glyph.bbox_xyxy[1], st_end + 1.0, ha.glyph.bbox_xyxy[3])
                    in_gap = tuple(
                        b
                        for b in blockers
                        if b[0] <= st_end and x0 <= b[2] and b[1] <= ha.cy + 2 * sp and ha.cy - 2 * sp <= b[3]
                    )
                    if not ha.tie_start and tie_arc(
                        ink, ha.glyph.bbox_xyxy, end_box, sp, lines, in_gap, line_runs=cfg.tie_line_runs
                    ):
                        ha.tie_start = True
    if ink is not None and cfg.pixel_slurs and not by_class.get("slur"):
        _pixel_slurs(
            ink,
            system,
            glyphs,
            groups,
            sp,
            sys_top,
            sys_bottom,
            cfg.slur_loose_beams,
            cfg.slur_end_reach,
            cfg.slur_join_strokes,
        )

    def slur_ends(sid: int, sx0: float, sx1: float) -> tuple[list[_Group], list[_Group], list[_Group]]:
        cands = [gr for gr in groups if gr.staff == sid and not gr.is_rest and not gr.grace]
        lefts = [gr for gr in cands if sx0 - 1.5 * sp <= gr.x <= sx0 + 2.0 * sp]
        rights = [gr for gr in cands if sx1 - 2.0 * sp <= gr.x <= sx1 + 1.5 * sp]
        return cands, lefts, rights

    def end_gap(gs: list[_Group], x: float, y: float) -> float:
        """Vertical distance from `y` to the nearest head of the group nearest to `x`."""
        gr = min(gs, key=lambda g: abs(g.x - x))
        return min(abs(h.cy - y) for h in gr.heads)

    for sl in by_class.get("slur", []):
        sx0, sy0, sx1, sy1 = sl.bbox_xyxy
        yc = (sy0 + sy1) / 2
        sid = staff_of(yc)
        cands, lefts, rights = slur_ends(sid, sx0, sx1)
        if cfg.slur_between_staves:
            k = staff_ids.index(sid)
            st = system.staves[k]
            other = k + 1 if yc > st.bottom else k - 1 if yc < st.top else -1
            if 0 <= other < len(staff_ids):
                o_cands, o_lefts, o_rights = slur_ends(staff_ids[other], sx0, sx1)
                if (
                    o_lefts
                    and o_rights
                    and (
                        not (lefts and rights)
                        or end_gap(o_lefts, sx0, yc) + end_gap(o_rights, sx1, yc)
                        < end_gap(lefts, sx0, yc) + end_gap(rights, sx1, yc)
                    )
                ):
                    sid, cands, lefts, rights = staff_ids[other], o_cands, o_lefts, o_rights
        if cfg.slur_system_break and cands:
            comes_in, runs_on = _slur_cut(
                sx0, sx1, [gr for gr in groups if gr.staff == sid], page_staves[sid], sp
            )
            if comes_in and not runs_on and rights:
                sb = min(rights, key=lambda gr: abs(gr.x - sx1))
                if not sb.slur_stop:
                    sb.slur_stop = True
                    sb.extra_glyphs.append(sl.glyph_id)
                continue
            if runs_on and not comes_in and lefts:
                sa = min(lefts, key=lambda gr: abs(gr.x - sx0))
                if not sa.slur_start:
                    sa.slur_start = True
                    sa.extra_glyphs.append(sl.glyph_id)
                continue
            if comes_in and runs_on:
                continue  # the middle piece of a slur over three systems: neither end is here
        if lefts and rights:
            sa = min(lefts, key=lambda gr: abs(gr.x - sx0))
            sb = min(rights, key=lambda gr: abs(gr.x - sx1))
            if sa is not sb and not sa.slur_start and not sb.slur_stop:
                sa.slur_start = True
                sb.slur_stop = True
                sa.extra_glyphs.append(sl.glyph_id)

    # tuplets: the number marks the groups under its bracket, or under the beam it sits on
    brackets = by_class.get("tupletBracket", [])
    numbers = [
        (g, TUPLET_RATIO[name])
        for name in TUPLET_RATIO
        for g in by_class.get(name, [])
        if g.score >= cfg.min_tuplet_score
    ]
    marks: list[tuple[Glyph, tuple[int, int] | None]] = list(numbers)
    for b in brackets:  # a bracket whose number was missed: the ratio follows from the notes under it
        if not any(
            b.bbox_xyxy[0] - sp <= n.center_xy[0] <= b.bbox_xyxy[2] + sp
            and abs(b.center_xy[1] - n.center_xy[1]) <= 2 * sp
            for n, _ in numbers
        ):
            marks.append((b, None))
    # weakly detected numbers: they mark their events only as a hint the measure's repair may take
    weak = {
        id(g)
        for name in TUPLET_RATIO
        for g in by_class.get(name, [])
        if 0 < cfg.tuplet_hint_score <= g.score < cfg.min_tuplet_score
    }
    marks += [
        (g, TUPLET_RATIO[name]) for name in TUPLET_RATIO for g in by_class.get(name, []) if id(g) in weak
    ]
    for g, mark_ratio in marks:
        cx, cy = g.center_xy
        sid = staff_of(cy)
        # the staff of the beamed group the number sits on, when there is one nearby
        beamed = [
            gr
            for gr in groups
            if gr.beams
            and any(beams[b].bbox_xyxy[0] - sp <= cx <= beams[b].bbox_xyxy[2] + sp for b in gr.beams)
        ]
        on_beam = False
        if beamed:
            best_gr = min(beamed, key=lambda gr: min(abs(beams[b].center_xy[1] - cy) for b in gr.beams))
            if min(abs(beams[b].center_xy[1] - cy) for b in best_gr.beams) <= 3 * sp:
                sid = best_gr.staff
                on_beam = True
        if cfg.tuplet_between_staves and not on_beam:
            sid = _tuplet_staff(g, sid, system, staff_ids, groups, brackets, sp)
        span: tuple[float, float] | None = None
        direction = ""
        for b in brackets:
            if b.bbox_xyxy[0] - sp <= cx <= b.bbox_xyxy[2] + sp and abs(b.center_xy[1] - cy) <= 2 * sp:
                span = (b.bbox_xyxy[0] - 0.5 * sp, b.bbox_xyxy[2] + 0.5 * sp)
        if span is None and g.score < 1.0 and ink is not None and cfg.tuplet_ink_brackets:
            # the detector reads no brackets: a bracket drawn through the number's middle in the ink
            st_n = page_staves[sid]
            if cy < st_n.top - 0.5 * sp or cy > st_n.bottom + 0.5 * sp:
                seen = ink_bracket(ink, g.bbox_xyxy, sp)
                if seen is not None:
                    span = (seen[0] - 0.5 * sp, seen[1] + 0.5 * sp)
        if span is None:
            under: list[tuple[float, float, float, str]] = []  # (beam distance, x0, x1, stem direction)
            for gr in groups:
                if gr.staff != sid or not gr.beams:
                    continue
                members = [o for o in groups if o.staff == sid and set(o.beams) & set(gr.beams)]
                xs = [o.x for o in members]
                if min(xs) - sp <= cx <= max(xs) + sp and abs(gr.cy - cy) <= 8 * sp:
                    near_beam = min(abs(beams[b].center_xy[1] - cy) for b in gr.beams)
                    under.append((near_beam, min(xs) - 0.5 * sp, max(xs) + 0.5 * sp, gr.stem_dir))
                    if not cfg.tuplet_nearest_beam:
                        break
            if under:
                # the number stands on its own group's beam: of two voices' beamed groups under it,
                # the one whose beam is nearest (not the first found)
                _near, span_a, span_b, direction = min(under, key=lambda u: u[0])
                span = (span_a, span_b)
        if span is None:
            closest = sorted(
                (gr for gr in groups if gr.staff == sid and not gr.grace), key=lambda gr: abs(gr.x - cx)
            )[: (mark_ratio or (3, 2))[0]]
            # a number with neither bracket nor beam marks the notes it stands over: one beside them
            # (a measure number at the system start read as a tuplet digit) marks nothing
            if closest and min(gr.x for gr in closest) - sp <= cx <= max(gr.x for gr in closest) + sp:
                span = (min(gr.x for gr in closest) - 0.1, max(gr.x for gr in closest) + 0.1)
        if span is None:
            continue
        span_lo, span_hi = span
        inside = [gr for gr in groups if gr.staff == sid and not gr.grace and span_lo <= gr.x <= span_hi]
        if not direction:
            # a bracket above the staff belongs to the upper voice, below to the lower one
            dirs = {gr.stem_dir for gr in inside if gr.stem_dir}
            if len(dirs) > 1:
                mid = (page_staves[sid].top + page_staves[sid].bottom) / 2
                direction = "up" if cy < mid else "down"
        mid_y = (page_staves[sid].top + page_staves[sid].bottom) / 2
        members = sorted(
            (
                gr
                for gr in inside
                if not direction
                or gr.stem_dir == direction
                or (gr.is_rest and (gr.cy < mid_y) == (direction == "up"))
                or (not gr.is_rest and not gr.stem_dir)
            ),
            key=lambda gr: gr.x,
        )
        if direction and not any(o.stem_dir and o.stem_dir != direction for o in inside):
            members = sorted(inside, key=lambda gr: gr.x)
        if mark_ratio and len(members) != mark_ratio[0] and len(inside) == mark_ratio[0]:
            # the events under the mark are as many as its number: all of them, whatever their stems
            # (a triplet of quarters whose first stem points up, the others down)
            members = sorted(inside, key=lambda gr: gr.x)
        elif cfg.tuplet_other_voice and mark_ratio and direction and len(members) != mark_ratio[0]:
            # the bracket's side named the wrong voice (an engraver sets a lower voice's bracket above
            # the staff when the upper voice leaves room): the other voice's events under it, when they
            # are as many as its number, are the tuplet
            others = sorted((gr for gr in inside if gr not in members), key=lambda gr: gr.x)
            if len(others) == mark_ratio[0]:
                members = others
        if cfg.tuplet_second_mark and mark_ratio and members and all(gr.tuplet for gr in members):
            # a second number over events an earlier number made a tuplet (two voices' numbers drawn
            # at one place): the other events under it, when they are as many units as its number
            others = sorted((gr for gr in inside if gr.tuplet is None and not gr.grace), key=lambda gr: gr.x)
            o_vals = [
                gr.value if gr.is_rest else note_value(gr.kind, gr.flags + gr.beam_levels) for gr in others
            ]
            if others and sum(o_vals, Fraction(0)) == mark_ratio[0] * min(o_vals):
                members = others
        if cfg.tuplet_rest_fill and mark_ratio and members and not any(gr.is_rest for gr in members):
            members = _with_tuplet_rests(members, groups, mark_ratio[0], [x for x, _ in bar_xs])
        ratio = mark_ratio or _ratio_for_count(len(members))
        if ratio is None:
            continue
        if mark_ratio and g.score < 1.0 and cfg.tuplet_count_check and members:
            # a detected number smaller than the group's length in its commonest value (dots left
            # out: the detector adds and misses them) and not dividing it marks no tuplet: a
            # figured-bass "3" under four eighths, a fingering (a group shorter than the number may
            # have lost a note to the detector: kept)
            vals = [
                gr.value if gr.is_rest else note_value(gr.kind, gr.flags + gr.beam_levels) for gr in members
            ]
            common = Counter(vals).most_common()
            unit = min(v for v, k in common if k == common[0][1])
            units = sum(vals, Fraction(0)) / unit
            if units > ratio[0] and units % ratio[0]:
                window = _tuplet_window(members, vals, ratio[0], cx) if cfg.tuplet_window else None
                if window is None:
                    # a number misread (a 5 read as 3) over a group its count does not fit: the ratio the
                    # group's count implies, as a hint the repair takes only when it fills the measure
                    by_count = _ratio_for_count(len(members)) if cfg.tuplet_count_hint else None
                    if by_count is not None and by_count != ratio:
                        for gr in members:
                            if gr.tuplet is None and gr.tuplet_hint is None:
                                gr.tuplet_hint, gr.hint_id = by_count, g.glyph_id
                    continue
                members = window
        if id(g) in weak:
            for gr in members:
                if gr.tuplet is None and gr.tuplet_hint is None:
                    gr.tuplet_hint, gr.hint_id = ratio, g.glyph_id
            continue
        for k, gr in enumerate(members):
            gr.tuplet = ratio
            gr.tuplet_edge = "start" if k == 0 else "stop" if k == len(members) - 1 else ""
        if members:
            members[0].extra_glyphs.append(g.glyph_id)

    groups = [gr for gr in groups if sys_top <= gr.cy <= sys_bottom]
    # beams seen only in the ink (no beam glyph): neighbouring stems in one direction whose strokes
    # face each other are beamed together (for the groups' beam labels and the repair's beam groups)
    link = 0
    for sid in staff_ids:
        chain = sorted(
            (
                gr
                for gr in groups
                if gr.staff == sid and gr.stem is not None and not gr.grace and not gr.is_rest
            ),
            key=lambda gr: gr.x,
        )
        rests_x = [gr.x for gr in groups if gr.staff == sid and gr.is_rest and not gr.grace]
        for left_g, right_g in zip(chain, chain[1:], strict=False):
            close = right_g.x - left_g.x <= 8 * sp
            if (
                not close
                and cfg.links_over_rests
                and ink is not None
                and right_g.x - left_g.x <= 16 * sp
                and any(left_g.x < x < right_g.x for x in rests_x)
            ):
                close = _beam_ink_between(ink, left_g, right_g, sp)
            if (
                left_g.stem_dir == right_g.stem_dir
                and left_g.px_strokes[1] > 0
                and right_g.px_strokes[0] > 0
                and close
                and not set(left_g.beams) & set(right_g.beams)
            ):
                left_g.links.append(link)
                right_g.links.append(link)
                link += 1
    repeat_dots = by_class.get("repeatDot", [])
    kind_of_dots = {
        (True, True): "repeatLeftRight",
        (True, False): "repeatRight",
        (False, True): "repeatLeft",
    }
    # a barline right after the system's clef/key/time (e.g. a start repeat) closes no measure: the
    # header belongs to the first measure with music. Only within 4 spaces of the header's end: a wide
    # empty first region is a measure whose notes were missed (merging it would shift every later
    # measure of the piece by one)
    header_glyphs = [g for g in glyphs if g.class_name.startswith(("clef", "key", "timeSig"))]
    while (
        len(regions) > 1
        and not any(regions[0][0] <= gr.x < regions[0][1] for gr in groups)
        and regions[0][1]
        - max([regions[0][0], *(g.bbox_xyxy[2] for g in header_glyphs if g.bbox_xyxy[2] < regions[0][1])])
        < 4 * sp
    ):
        repeat_start_first |= kinds[0] in ("repeatLeft", "repeatLeftRight")
        if cfg.repeat_dots_at_bars and kinds[0] in _PLAIN_BARS:  # a start repeat after the header
            bx = regions[0][1]
            repeat_start_first |= sum(bx < d.center_xy[0] <= bx + 1.5 * sp for d in repeat_dots) >= 2
        regions = [(regions[0][0], regions[1][1]), *regions[2:]]
        kinds = kinds[1:]
    # two barlines at most 2.5 spaces apart with nothing between them on any staff are one double or
    # repeat barline whose middle stroke was missed (not an empty measure that shifts the piece)
    ri = 1
    while ri < len(regions) - 1:
        lo_x, hi_x = regions[ri]
        if hi_x - lo_x <= 2.5 * sp and not any(lo_x <= gr.x < hi_x for gr in groups):
            left = any(lo_x - 1.5 * sp <= d.center_xy[0] <= lo_x for d in repeat_dots)
            right = any(hi_x <= d.center_xy[0] <= hi_x + 1.5 * sp for d in repeat_dots)
            kinds[ri - 1] = kind_of_dots.get((left, right), "barlineDouble")
            regions = [*regions[:ri], (lo_x, regions[ri + 1][1]), *regions[ri + 2 :]]
            kinds.pop(ri)
            continue
        ri += 1
    if cfg.header_regions:
        # inside a line, a region holding only a clef, key or time change (a key change between a
        # barline and a start repeat) is no measure: the change opens the next one, which takes the
        # repeat sign (an empty measure there shifted every later measure of the piece by one). After
        # the double-barline merge: a repeat barline's thick stroke read as a time digit is not one
        ri = 1
        while ri < len(regions) - 1:
            lo_x, hi_x = regions[ri]
            attrs = [g for g in header_glyphs if lo_x <= g.center_xy[0] < hi_x]
            if (
                attrs
                and not any(lo_x <= gr.x < hi_x for gr in groups)
                and hi_x - max(g.bbox_xyxy[2] for g in attrs) < 4 * sp
            ):
                if kinds[ri] in ("repeatLeft", "repeatLeftRight"):
                    kinds[ri - 1] = "repeatLeftRight" if kinds[ri - 1] == "repeatRight" else kinds[ri]
                regions = [*regions[:ri], (lo_x, regions[ri + 1][1]), *regions[ri + 2 :]]
                kinds.pop(ri)
                continue
            ri += 1
    if cfg.time_splits and time_clusters:
        # a time signature inside a region, with music before it on its staff, opens a measure there
        cuts: list[float] = []
        for cl in time_clusters:
            tx = min(g.bbox_xyxy[0] for g in cl)
            k_st = nearest_staff(list(system.staves), cl[0].center_xy[1])
            ri_t = next((i for i, (a, b) in enumerate(regions) if a <= tx < b), None)
            if ri_t is None or tx - regions[ri_t][0] < 1.5 * sp or regions[ri_t][1] - tx < 1.5 * sp:
                continue
            if any(regions[ri_t][0] <= gr.x < tx - 0.3 * sp and gr.staff == staff_ids[k_st] for gr in groups):
                cuts.append(tx - 0.3 * sp)
        for cx in sorted(cuts):
            ri_t = next((i for i, (a, b) in enumerate(regions) if a < cx < b), None)
            if ri_t is None or min(cx - regions[ri_t][0], regions[ri_t][1] - cx) < sp:
                continue  # one cut per change (a stacked signature on several staves)
            regions = [*regions[:ri_t], (regions[ri_t][0], cx), (cx, regions[ri_t][1]), *regions[ri_t + 1 :]]
            kinds.insert(ri_t, "barlineNone")
    dot_repeats: set[int] = set()
    if cfg.repeat_dots_at_bars and repeat_dots:
        # a barline without repeat sign but with repeat dots beside it (two or more within 1.5 spaces
        # on a side) is a repeat barline (the detector has no repeat-barline class: its strokes come
        # as one or two barlines, read as a plain, double or final barline)
        for ri, kind in enumerate(kinds):
            bx = regions[ri][1]
            left = sum(bx - 1.5 * sp <= d.center_xy[0] < bx for d in repeat_dots) >= 2
            right = sum(bx < d.center_xy[0] <= bx + 1.5 * sp for d in repeat_dots) >= 2
            if kind in _PLAIN_BARS and (left or right):
                kinds[ri] = kind_of_dots[(left, right)]
                dot_repeats.add(ri)
    endings = [(g.bbox_xyxy[0], g.bbox_xyxy[2]) for g in by_class.get("ending", [])]
    return _SystemResult(
        system,
        staff_ids,
        regions,
        kinds,
        repeat_start_first,
        groups,
        timelines,
        dynamics,
        endings,
        skipped,
        frozenset(dot_repeats),
    )


def _blank_staff(ink: np.ndarray, st: Staff, x0: float, x1: float, glyphs: list[Glyph]) -> bool:
    """Whether staff `st` shows nothing but its lines from `x0` to `x1` (half a space in from each end):
    no ink column between its top and bottom lines holds 0.4 spaces more ink than the staff's usual column
    (its lines) over more than 0.3 spaces of width. Columns under a clef, key or time signature on the
    staff are left out (a line's header, a change before a barline)."""
    sp = st.staff_space_px
    a, b = max(0, int(round(st.top - 0.3 * sp))), min(ink.shape[0], int(round(st.bottom + 0.3 * sp)) + 1)
    c0, c1 = max(0, int(st.x0)), min(ink.shape[1], int(st.x1) + 1)
    if b <= a or c1 <= c0:
        return False
    cols = ink[a:b, c0:c1].sum(axis=0, dtype=np.int32)
    busy = cols > float(np.median(cols)) + 0.4 * sp
    lo, hi = int(x0 + 0.5 * sp) - c0, int(x1 - 0.5 * sp) - c0
    if hi <= lo:
        return False
    keep = np.ones(c1 - c0, bool)
    for g in glyphs:
        if (
            g.class_name.startswith(("clef", "key", "timeSig"))
            and st.top - sp <= g.center_xy[1] <= st.bottom + sp
        ):
            keep[
                max(0, int(g.bbox_xyxy[0] - 0.2 * sp) - c0) : max(0, int(g.bbox_xyxy[2] + 0.2 * sp) - c0 + 1)
            ] = False
    lo, hi = max(lo, 0), min(hi, c1 - c0)
    return int((busy[lo:hi] & keep[lo:hi]).sum()) <= 0.3 * sp


def _ink_row(ink: np.ndarray, y: float, x0: float, x1: float, space: float) -> bool:
    """Whether a horizontal stroke (a ledger line) crosses a head's x range `x0`..`x1` within 0.4 spaces
    of height `y`: a row of the ink at least 70% dark there (True where the window leaves the page)."""
    a, b = max(0, int(y - 0.4 * space)), min(ink.shape[0], int(y + 0.4 * space) + 1)
    c, d = max(0, int(x0 - 0.1 * space)), min(ink.shape[1], int(x1 + 0.1 * space) + 1)
    if b <= a or d <= c:
        return True
    return bool((ink[a:b, c:d].mean(axis=1) >= 0.7).any())


def _beam_ink_between(ink: np.ndarray, a: _Group, b: _Group, space: float) -> bool:
    """Whether a beam runs in the ink from the far end of `a`'s stem to the far end of `b`'s (over a
    rest between them): in nine of ten columns spaced evenly between the stems, ink within 0.3 spaces
    of the straight line joining the two stem ends."""
    if a.stem is None or b.stem is None:
        return False
    up = a.stem_dir == "up"
    xa, xb = a.stem.center_xy[0], b.stem.center_xy[0]
    ya = a.stem.bbox_xyxy[1] if up else a.stem.bbox_xyxy[3]
    yb = b.stem.bbox_xyxy[1] if up else b.stem.bbox_xyxy[3]
    hits = 0
    for k in range(1, 11):
        t = k / 11
        x, y = int(round(xa + t * (xb - xa))), ya + t * (yb - ya)
        r0, r1 = max(0, int(y - 0.3 * space)), min(ink.shape[0], int(y + 0.3 * space) + 1)
        if 0 <= x < ink.shape[1] and r1 > r0 and ink[r0:r1, x].any():
            hits += 1
    return hits >= 9


def _reach(gr: _Group, y: float) -> float:
    """Vertical distance from `y` to the ink of a group (its heads, stem or rest); 0 inside it."""
    boxes = [h.glyph.bbox_xyxy for h in gr.heads]
    if gr.stem is not None:
        boxes.append(gr.stem.bbox_xyxy)
    if gr.rest_glyph is not None:
        boxes.append(gr.rest_glyph.bbox_xyxy)
    if not boxes:
        return float("inf")
    y0, y1 = min(b[1] for b in boxes), max(b[3] for b in boxes)
    return max(0.0, y0 - y, y - y1)


def _tuplet_staff(
    mark: Glyph,
    sid: int,
    system: System,
    staff_ids: list[int],
    groups: list[_Group],
    brackets: list[Glyph],
    sp: float,
) -> int:
    """The staff a tuplet mark between two staves belongs to: the one whose events under the mark
    (its bracket's span, else a space either side of it) reach nearest to it (`sid`, the nearest
    staff by its lines, when the neighbour's events do not come nearer)."""
    cx, cy = mark.center_xy
    if sid not in staff_ids:
        return sid
    k = staff_ids.index(sid)
    st = system.staves[k]
    other = k + 1 if cy > st.bottom else k - 1 if cy < st.top else -1
    if not 0 <= other < len(staff_ids):
        return sid
    lo, hi = cx - 1.5 * sp, cx + 1.5 * sp
    for b in brackets:
        if b.bbox_xyxy[0] - sp <= cx <= b.bbox_xyxy[2] + sp and abs(b.center_xy[1] - cy) <= 2 * sp:
            lo, hi = b.bbox_xyxy[0] - 0.5 * sp, b.bbox_xyxy[2] + 0.5 * sp

    def reach(s: int) -> float:
        return min(
            (_reach(gr, cy) for gr in groups if gr.staff == s and not gr.grace and lo <= gr.x <= hi),
            default=float("inf"),
        )

    return staff_ids[other] if reach(staff_ids[other]) < reach(sid) else sid


def _tuplet_window(members: list[_Group], vals: list[Fraction], n: int, cx: float) -> list[_Group] | None:
    """The `n` consecutive members (x order) under a tuplet number at `cx` that form the tuplet when the
    number's bracket or beam holds more events: equal values, the number's x within their span, and the
    members just before and after of another value (an eighth beamed to a sixteenth triplet); the one
    centred nearest the number, or None."""
    best: tuple[float, list[_Group]] | None = None
    for a in range(len(members) - n + 1):
        b = a + n
        if len(set(vals[a:b])) != 1 or any(m.is_rest for m in members[a:b]):
            continue
        if (a > 0 and vals[a - 1] == vals[a]) or (b < len(members) and vals[b] == vals[a]):
            continue
        x0, x1 = members[a].x, members[b - 1].x
        if not x0 <= cx <= x1:
            continue
        d = abs((x0 + x1) / 2 - cx)
        if best is None or d < best[0]:
            best = (d, members[a:b])
    return best[1] if best else None


def _slur_cut(sx0: float, sx1: float, events: list[_Group], staff: Staff, sp: float) -> tuple[bool, bool]:
    """(comes in, runs on) for a slur piece from x `sx0` to `sx1` on `staff`, given the events (notes,
    rests, grace notes) of that staff: its left end lies before every event's heads (at least half a
    space), or its right end lies past every event's heads (half a space) and within 1.5 spaces of the
    staff's right end: the piece of a slur cut by a system break (Verovio draws it from the header, or on
    to the staff's end)."""
    x0s = [b.bbox_xyxy[0] for gr in events for b in [*(h.glyph for h in gr.heads), gr.rest_glyph] if b]
    x1s = [b.bbox_xyxy[2] for gr in events for b in [*(h.glyph for h in gr.heads), gr.rest_glyph] if b]
    if not x0s:
        return False, False
    comes_in = sx0 < min(x0s) - 0.5 * sp
    runs_on = sx1 > max(x1s) + 0.5 * sp and sx1 >= staff.x1 - 1.5 * sp
    return comes_in, runs_on


def _tie_double_sharps(double_sharps: list[Glyph], groups: list[_Group], sp: float) -> set[int]:
    """Glyph ids of detected double sharps lying in a tie's place (see AssembleConfig.tie_double_sharps).

    A double sharp's box 0.3 spaces into to a space right of a head's right edge, centred 0.35-1.2
    spaces above or below that head's middle, with a head at the same height (within 0.25 spaces)
    starting 0.3 spaces into to a space right of its box.
    """
    heads = [h for gr in groups for h in gr.heads]
    fake: set[int] = set()
    for g in double_sharps:
        ax0, ay0, ax1, ay1 = g.bbox_xyxy
        acy = (ay0 + ay1) / 2
        for hl in heads:
            if not -0.3 * sp <= ax0 - hl.glyph.bbox_xyxy[2] <= 1.0 * sp:
                continue
            if not 0.35 * sp <= abs(acy - hl.cy) <= 1.2 * sp:
                continue
            if any(
                -0.3 * sp <= hr.glyph.bbox_xyxy[0] - ax1 <= 1.0 * sp and abs(hr.cy - hl.cy) <= 0.25 * sp
                for hr in heads
            ):
                fake.add(g.glyph_id)
                break
    return fake


def _pixel_slurs(
    ink: np.ndarray,
    system: System,
    glyphs: list[Glyph],
    groups: list[_Group],
    sp: float,
    top: float,
    bottom: float,
    loose_beams: bool = True,
    end_reach: float = 1.5,
    join_strokes: bool = False,
) -> None:
    """Mark slurs read from the ink of a system's band (rows `top`-`bottom`) on its groups (in place).

    Each thin arc (`slur_arcs`, with the staff lines and every detected symbol blanked) ties the note
    nearest its left end to the note nearest its right end (the box of its heads and stem, at most 1.5
    spaces away across plus up or down; where none is, the nearest to a point 0.5, 1, 1.5 or 2 spaces
    on along the stroke's direction at that end, as a stroke running along a staff line or through a
    blanked symbol is cut short). Both must be detected notes of one staff, not grace notes, not the
    same. An arc between two neighbouring notes with heads at one height whose ends sit at one height
    is a tie (read by the tie check, or missed there), not a slur. With `loose_beams`, beam detections
    touching no stem stay in the ink (the detector reports flat pieces of slurs as beams).
    """
    ya, yb = max(0, int(top)), min(ink.shape[0], int(bottom) + 1)
    if yb - ya < 3:
        return
    band = ink[ya:yb]
    lines = tuple(ly - ya for s in system.staves for ly in s.line_ys)
    stems = [g.bbox_xyxy for g in glyphs if g.class_name == "stem"] if loose_beams else []
    m = 0.3 * sp

    def loose(g: Glyph) -> bool:
        """A beam detection touching no stem (`loose_beams`): a piece of a slur, left in the ink."""
        if not loose_beams or g.class_name != "beam":
            return False
        x0, y0, x1, y1 = g.bbox_xyxy
        return not any(s[0] - m <= x1 and s[2] + m >= x0 and s[1] - m <= y1 and s[3] + m >= y0 for s in stems)

    blocked = tuple(
        (g.bbox_xyxy[0], g.bbox_xyxy[1] - ya, g.bbox_xyxy[2], g.bbox_xyxy[3] - ya)
        for g in glyphs
        if g.class_name != "staff" and g.bbox_xyxy[3] >= ya and g.bbox_xyxy[1] <= yb and not loose(g)
    )
    notes = [gr for gr in groups if not gr.is_rest and not gr.grace and gr.detected and gr.heads]
    if not notes:
        return

    def extent(gr: _Group) -> tuple[float, float, float, float]:
        """Left, right, top and bottom of the group's heads and stem."""
        hx0 = min(hd.glyph.bbox_xyxy[0] for hd in gr.heads)
        hx1 = max(hd.glyph.bbox_xyxy[2] for hd in gr.heads)
        gy0 = min(hd.glyph.bbox_xyxy[1] for hd in gr.heads)
        gy1 = max(hd.glyph.bbox_xyxy[3] for hd in gr.heads)
        if gr.stem is not None:
            gy0, gy1 = min(gy0, gr.stem.bbox_xyxy[1]), max(gy1, gr.stem.bbox_xyxy[3])
            hx0, hx1 = min(hx0, gr.stem.bbox_xyxy[0]), max(hx1, gr.stem.bbox_xyxy[2])
        return hx0, hx1, gy0, gy1

    extents = {id(gr): extent(gr) for gr in notes}  # once per note, not per arc end looked up

    def dist(gr: _Group, x: float, y: float) -> float:
        """How far a point lies outside the box of the group's heads and stem (across plus up or down;
        beyond 1.5 spaces: too far, unless it lies within half a space across and `end_reach` spaces up
        or down)."""
        hx0, hx1, gy0, gy1 = extents[id(gr)]
        dx = max(0.0, hx0 - x, x - hx1)
        dy = max(0.0, gy0 - y, y - gy1)
        if dx + dy <= 1.5 * sp or (dx <= 0.5 * sp and dy <= end_reach * sp):
            return dx + dy
        return float("inf")

    def nearest(x: float, y: float) -> _Group | None:
        d, gr = min(((dist(gr, x, y), gr) for gr in notes), key=lambda t: t[0])
        return gr if d < float("inf") else None

    chains: dict[int, list[_Group]] = defaultdict(list)
    for gr in sorted(notes, key=lambda g: g.x):
        chains[gr.staff].append(gr)
    for arc in slur_arcs(band, sp, lines, blocked, join_strokes=join_strokes):
        (lx, ly), (rx, ry) = arc.left, arc.right
        sa, sb = nearest(lx, ly + ya), nearest(rx, ry + ya)
        # an end cut short (where the stroke runs along a staff line or through a blanked symbol): the
        # note along the stroke's direction at that end, up to 2 spaces on
        for t in (0.5, 1.0, 1.5, 2.0):
            if sa is None:
                u = t * sp / float(np.hypot(1.0, arc.slopes[0]))
                sa = nearest(lx - u, ly + ya - u * arc.slopes[0])
            if sb is None:
                u = t * sp / float(np.hypot(1.0, arc.slopes[1]))
                sb = nearest(rx + u, ry + ya + u * arc.slopes[1])
        if sa is None or sb is None or sa is sb or sa.staff != sb.staff or sa.x >= sb.x:
            continue
        chain = chains[sa.staff]
        neighbours = chain.index(sb) == chain.index(sa) + 1
        same_height = any(abs(a.cy - b.cy) <= 0.25 * sp for a in sa.heads for b in sb.heads)
        if neighbours and same_height and abs(ly - ry) <= 0.5 * sp:
            continue  # a tie
        if sa.slur_start or sb.slur_stop:
            continue
        sa.slur_start = sb.slur_stop = True


def _attach_ties(ties: list[Glyph], heads: list[_Head], sp: float) -> None:
    """Tie each tie glyph's arc to the head it starts at and the head at that height it ends at (in place).

    Heads of every staff count (an arc under a chord's ledger notes may lie nearer the staff below);
    each head starts and ends at most one tie; an arc sits about half a space off its head's centre
    (above or below it), so in a chord the head at that distance wins, not the nearest one (which is
    the next head's tie, a third away).
    """

    def cost(h: _Head, t: Glyph) -> float:
        return abs(abs(h.cy - t.center_xy[1]) - 0.55 * sp)

    pairs: list[tuple[float, int, int]] = []
    for ti, t in enumerate(ties):
        for hi, h in enumerate(heads):
            gap = t.bbox_xyxy[0] - h.glyph.bbox_xyxy[2]
            if -1.0 * sp <= gap <= (1.2 + 1.2 * h.dots) * sp and abs(h.cy - t.center_xy[1]) <= 2.0 * sp:
                pairs.append((cost(h, t), ti, hi))  # ties start after the dots
    start_of: dict[int, int] = {}
    used: set[int] = set()
    for _, ti, hi in sorted(pairs):
        if ti not in start_of and hi not in used:
            start_of[ti] = hi
            used.add(hi)
    pairs = []
    for ti, t in enumerate(ties):
        start = heads[start_of[ti]] if ti in start_of else None
        for hi, h in enumerate(heads):
            gap = h.glyph.bbox_xyxy[0] - t.bbox_xyxy[2]
            if (
                -1.0 * sp <= gap <= 1.2 * sp
                and abs(h.cy - t.center_xy[1]) <= 2.0 * sp
                and (start is None or (abs(h.cy - start.cy) <= 0.3 * sp and h is not start))
            ):
                # a displaced head (a second in the chord) stands a head width further right
                pairs.append((cost(h, t) + 0.01 * max(0.0, gap), ti, hi))
    end_of: dict[int, int] = {}
    used = set()
    for _, ti, hi in sorted(pairs):
        if ti not in end_of and hi not in used:
            end_of[ti] = hi
            used.add(hi)
    for ti, t in enumerate(ties):
        if ti in start_of:
            heads[start_of[ti]].tie_start = True
            heads[start_of[ti]].tie_glyphs.append(t.glyph_id)
        if ti in end_of:
            heads[end_of[ti]].tie_stop = True
            heads[end_of[ti]].tie_glyphs.append(t.glyph_id)


def _apply_ottavas(
    brackets: list[Glyph], heads: list[_Head], page_staves: list[Staff], staff_ids: list[int], sp: float
) -> None:
    """Set the octave shift of the heads under each ottava bracket (in place).

    A bracket belongs to the staff whose notes it stands nearest to, looking down from it (an 8va over
    that staff: one octave up) and up from it (an 8vb under the staff above: one octave down); a head
    counts as under it when its centre lies within the bracket's span. Verovio starts the "8" half a
    space left of the first head and ends the hook about 0.7 space right of the last head, so the span
    is [x0, x1 - 0.4 space]: a grace note just before the "8" and a note right after the hook (dense
    32nds) stay out.
    """
    for b in brackets:
        bx0, by0, bx1, by1 = b.bbox_xyxy
        under = [
            h for h in heads if bx0 <= (h.glyph.bbox_xyxy[0] + h.glyph.bbox_xyxy[2]) / 2 <= bx1 - 0.4 * sp
        ]
        best: tuple[float, int, int] | None = None  # (gap, staff, shift)
        for sid in staff_ids:
            st = page_staves[sid]
            on = [h for h in under if h.staff == sid]
            if st.top >= by1 - 0.5 * sp:  # the staff lies below the bracket: an 8va over it
                gap = min([st.top] + [h.glyph.bbox_xyxy[1] for h in on]) - by1
                shift = 1
            elif st.bottom <= by0 + 0.5 * sp:  # above it: an 8vb under it
                gap = by0 - max([st.bottom] + [h.glyph.bbox_xyxy[3] for h in on])
                shift = -1
            else:
                continue
            if best is None or gap < best[0]:
                best = (gap, sid, shift)
        if best is None or best[0] > 6 * sp:
            continue
        for h in under:
            if h.staff == best[1]:
                h.octave_shift = best[2]


def _ottava_directions(
    measures: list[Measure], shifts: dict[tuple[int, int, Fraction], int]
) -> list[Measure]:
    """The measures with octave-shift marks added where notes were read under ottava brackets.

    `shifts` maps (measure number, staff number, onset) to the octave shift of the notes struck there.
    Per staff, a run of notes with one shift (across measures, systems and pages; rests and grace notes
    neither break nor start it) gets a start mark at its first note, "down" for an 8va (the page shows
    the notes an octave below their sounding pitch, MusicXML's convention) or "up" for an 8vb, and a
    "stop" dated at its last note's onset.
    """
    added: dict[int, list[Direction]] = defaultdict(list)  # measure index -> marks
    for sn in sorted({k[1] for k in shifts}):
        cur, last = 0, (0, Fraction(0))
        for mi, m in enumerate(measures):
            onsets = sorted(
                {
                    e.onset_q
                    for e in m.events
                    if e.staff == sn and not isinstance(e, Rest) and not _event_is_grace(e)
                }
            )
            for on in onsets:
                shift = shifts.get((m.number, sn, on), 0)
                if shift != cur:
                    if cur:
                        added[last[0]].append(Direction("octave-shift", "stop", last[1], sn))
                    if shift:
                        added[mi].append(Direction("octave-shift", "down" if shift > 0 else "up", on, sn))
                    cur = shift
                if shift:
                    last = (mi, on)
        if cur:
            added[last[0]].append(Direction("octave-shift", "stop", last[1], sn))
    return [
        replace(m, directions=m.directions + tuple(added[i])) if i in added else m
        for i, m in enumerate(measures)
    ]


def _event_is_grace(e: Event) -> bool:
    return e.notes[0].grace if isinstance(e, Chord) else isinstance(e, Note) and e.grace


def _group_duration(g: _Group) -> Fraction:
    """Sounding length of a group in quarters: value, dots and tuplet scale (0 for grace notes)."""
    if g.grace:
        return Fraction(0)
    scale = Fraction(g.tuplet[1], g.tuplet[0]) if g.tuplet else Fraction(1)
    return g.value * (2 - Fraction(1, 2**g.dots)) * scale


def _ratio_for_count(n: int) -> tuple[int, int] | None:
    """Usual tuplet ratio for n notes under an unnumbered bracket (3:2, 5:4, 6:4, 7:4, 9:8)."""
    return {3: (3, 2), 5: (5, 4), 6: (6, 4), 7: (7, 4), 9: (9, 8)}.get(n)


# --- measures, pitch, rhythm ----------------------------------------------------------------------------


def _in_force(items: list[tuple[float, object]], x: float, default: object) -> object:
    cur = default
    for ix, v in items:
        if ix <= x:
            cur = v
    return cur


def _match_column(
    options: list[dict[tuple[int, bool], float]], ids: list[int]
) -> list[tuple[int, tuple[int, bool]]]:
    """Dots of one column to heads or rests: each at most once, as many dots placed as possible, then
    the lowest total cost (`options[i]`: target -> cost for dot `ids[i]`). Exhaustive: a column holds
    a few dots (one per head of a chord), each with its three cheapest targets; beyond 6 dots the
    cheapest pairs are taken first."""
    options = [dict(sorted(o.items(), key=lambda kv: kv[1])[:3]) for o in options]
    if len(options) > 6:
        pairs = sorted((c, i, t) for i, o in enumerate(options) for t, c in o.items())
        used_i: set[int] = set()
        used_t: set[tuple[int, bool]] = set()
        chosen: list[tuple[int, tuple[int, bool]]] = []
        for _, i, t in pairs:
            if i not in used_i and t not in used_t:
                used_i.add(i)
                used_t.add(t)
                chosen.append((ids[i], t))
        return chosen
    best: tuple[int, float, list[tuple[int, tuple[int, bool]]]] = (0, 0.0, [])

    def search(
        i: int,
        used: frozenset[tuple[int, bool]],
        n: int,
        cost: float,
        got: list[tuple[int, tuple[int, bool]]],
    ) -> None:
        nonlocal best
        if i == len(options):
            if n > best[0] or (n == best[0] and cost < best[1]):
                best = (n, cost, list(got))
            return
        search(i + 1, used, n, cost, got)
        for t, c in options[i].items():
            if t not in used:
                got.append((ids[i], t))
                search(i + 1, used | {t}, n + 1, cost + c, got)
                got.pop()

    search(0, frozenset(), 0, 0.0, [])
    return best[2]


def _with_tuplet_rests(
    members: list[_Group], groups: list[_Group], count: int, bar_xs: list[float]
) -> list[_Group]:
    """`members` (notes under a tuplet number, by x) with the rests of their value next to them (before
    the first or after the last, no other event and no barline (`bar_xs`) between) added when the notes
    fill fewer units than `count` and those rests make exactly `count`; else `members` unchanged."""
    vals = [note_value(gr.kind, gr.flags + gr.beam_levels) for gr in members]
    unit = min(vals)
    units = sum(vals, Fraction(0)) / unit
    if units >= count or units != int(units):
        return members
    same = sorted(
        (gr for gr in groups if gr.staff == members[0].staff and not gr.grace and gr.tuplet is None),
        key=lambda gr: gr.x,
    )
    at = [same.index(gr) for gr in members if gr in same]
    if len(at) != len(members):
        return members
    lo, hi = min(at), max(at)
    before: list[_Group] = []
    after: list[_Group] = []
    need = count - int(units)
    k = lo - 1
    while need > 0 and k >= 0 and same[k].is_rest and same[k].value == unit and not same[k].dots:
        if any(same[k].x < b < same[k + 1].x for b in bar_xs):
            break
        before.insert(0, same[k])
        need -= 1
        k -= 1
    k = hi + 1
    while need > 0 and k < len(same) and same[k].is_rest and same[k].value == unit and not same[k].dots:
        if any(same[k - 1].x < b < same[k].x for b in bar_xs):
            break
        after.append(same[k])
        need -= 1
        k += 1
    return [*before, *members, *after] if need == 0 else members


def _total_of(gs: list[_Group]) -> Fraction:
    """Written length of a voice's events (before any repair)."""
    return sum((it.duration for it in _voice_items(gs)), Fraction(0))


def _align_to(
    vg: list[_Group],
    items: list[RhythmItem],
    filled: list[_Group],
    expected: Fraction,
    x_tol: float,
    check: bool = False,
    seconds: bool = False,
) -> list[Fraction] | None:
    """Onsets of a voice shorter than its measure, laid out against the measure's filled voices.

    Each event struck with (within `x_tol` of) a filled voice's event starts where that one starts;
    the others follow their predecessor. Returned only when that moves at least one event later than
    the voice's own durations put it (a pause: invisible rests, or a voice that starts late), never
    moves one earlier, leaves no gap that one more dot on a note before it would fill (as likely a
    missed dot), and ends within the measure; else None. With `check`, returns the voice's own
    onsets when every struck event already starts where its partner does (the durations agree).
    With `seconds`, an event up to 2 `x_tol` away whose head is a second from one of the partner's
    heads is struck with it too (the engraver set one of the two heads a head width aside).
    """
    total = sum((it.duration for it in items), Fraction(0))
    if not vg or (total >= expected and not check):
        return None
    out: list[Fraction] = []
    clock, moved = Fraction(0), False
    run: list[RhythmItem] = []  # events since the last one struck with a filled voice's
    for g, it in zip(vg, items, strict=True):
        near = [
            o
            for o in filled
            if abs(o.x - g.x) <= x_tol
            or (
                seconds
                and abs(o.x - g.x) <= 2 * x_tol
                and any(abs(a.cy - b.cy) <= 0.75 * x_tol for a in o.heads for b in g.heads)
            )
        ]
        if near:
            at = min(near, key=lambda o: abs(o.x - g.x)).onset
            if at < clock:
                return None
            if any(at - clock == replace(p, dots=p.dots + 1).duration - p.duration for p in run):
                # a gap one more dot on a note before would fill: as likely a missed dot
                return None
            moved |= at > clock
            clock = at
            run = []
        run.append(it)
        out.append(clock)
        clock += it.duration
    if check:
        return None if moved else out
    return out if moved and clock <= expected else None


_SURE_REPAIRS = ("triplet", "drop tuplet", "stemless heads")
"""Repair edits that restore what engraving or the detector leaves out as a rule (development pages: the
measures they made fit held almost no note errors), so they do not flag their measure."""


def _agreement(
    vg: list[_Group], anchors: list[_Group], expected: Fraction, x_tol: float, seconds: bool
) -> Callable[[list[RhythmItem]], bool]:
    """Whether a voice read with given items starts every note struck with an anchor's where it starts."""

    def agrees(items: list[RhythmItem]) -> bool:
        return _align_to(vg, items, anchors, expected, x_tol, True, seconds=seconds) is not None

    return agrees


def _onsets_at_odds(groups: list[_Group], same: float, apart: float) -> int:
    """Pairs of events whose onsets disagree with their x: within `same` pixels but starting apart, or
    more than `apart` pixels to the right but starting no later (events of one measure, any voice). A
    tuplet's note and another voice's plain note may stand at one x while starting apart (a triplet
    against eighths is set only roughly in time)."""
    srt = sorted(groups, key=lambda g: g.x)
    bad = 0
    for i, a in enumerate(srt):
        for b in srt[i + 1 :]:
            dx = b.x - a.x
            if dx <= same:
                bad += a.onset != b.onset and (a.tuplet is None) == (b.tuplet is None)
            elif dx > apart:
                bad += b.onset <= a.onset
    return bad


def _beam_groups(groups: list[_Group]) -> list[list[_Group]]:
    """Chords joined by shared beam glyphs (or beams seen only in the ink), each list in x order."""
    parent = list(range(len(groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, int], int] = {}
    for i, gr in enumerate(groups):
        for key in [("glyph", b) for b in gr.beams] + [("ink", k) for k in gr.links]:
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    comps: dict[int, list[_Group]] = defaultdict(list)
    for i, gr in enumerate(groups):
        if gr.beams or gr.links:
            comps[find(i)].append(gr)
    return [sorted(c, key=lambda g: g.x) for c in comps.values() if len(c) > 1]


@dataclass(eq=False)
class _PartState:
    clefs: dict[int, Clef] = field(default_factory=dict)  # staff number (1-based) -> clef
    key: int | None = None
    time: TimeSignature | None = None
    measures: list[Measure] = field(default_factory=list)
    open_ties: dict[tuple[int, int], int] = field(default_factory=dict)  # (staff, diatonic) -> alter
    pending_clefs: dict[int, Clef] = field(default_factory=dict)  # staff -> clef from the measure before
    median_pitch: dict[int, float] = field(default_factory=dict)  # staff -> median diatonic, last system
    assumed_clefs: set[int] = field(default_factory=set)  # staves whose clef in force was assumed
    time_given: bool = False  # the time signature in force was read from annotated (trusted) digits
    courtesy_key: int | None = None  # a key drawn after the last barline of the system before
    # (measure number, staff number, onset) -> octave shift of the notes struck there (ottava brackets)
    shifts: dict[tuple[int, int, Fraction], int] = field(default_factory=dict)


def _beat_of(time: TimeSignature) -> Fraction:
    """Length in quarters of one beat of a meter: three of its lower value in a compound meter (6/8,
    9/8, 12/8: a dotted quarter), else its lower value (2/4: a quarter, 2/2: a half)."""
    if time.beats % 3 == 0 and time.beats > 3 and time.beat_type >= 8:
        return Fraction(12, time.beat_type)
    return Fraction(4, time.beat_type)


def _missed_beams(g: _Group) -> bool:
    """Whether a detected note shorter than a quarter shows no beam glyph, beam link or flag glyph."""
    return (
        not g.is_rest
        and not g.grace
        and g.kind == "black"
        and g.detected
        and g.value < 1
        and g.duration > 0
        and not g.beam_values
        and not g.beams
        and not g.links
        and g.flags == 0
    )


def _beam_by_beat(gs: list[_Group], time: TimeSignature) -> None:
    """Beam the notes of one staff's measure whose beams were missed (`AssembleConfig.beat_beams`):
    runs of consecutive such notes of one voice within one beat get beam labels from their values."""
    beat = _beat_of(time)

    def joins(a: _Group, b: _Group) -> bool:
        # strokes read at a stem's end must face the neighbour (a flag leaves to the right only)
        return (a.beam_levels == 0 or a.px_strokes[1] > 0) and (b.beam_levels == 0 or b.px_strokes[0] > 0)

    for v in sorted({g.voice for g in gs}):
        runs: list[list[_Group]] = [[]]
        for g in sorted((g for g in gs if g.voice == v and not g.grace), key=lambda g: (g.onset, g.x)):
            k = g.onset // beat
            if not (_missed_beams(g) and g.onset + g.duration <= (k + 1) * beat):
                runs.append([])
                continue
            p = runs[-1][-1] if runs[-1] else None
            if p is not None and (p.onset // beat != k or p.onset + p.duration != g.onset or not joins(p, g)):
                runs.append([])
            runs[-1].append(g)
        for run in runs:
            if len(run) < 2:
                continue
            levels = [max(1, (g.value.denominator // g.value.numerator).bit_length() - 1) for g in run]
            # the levels below the first break at each eighth (sixteenths in pairs)
            spans = [1 if (b.onset * 2).denominator == 1 else 99 for b in run[1:]]
            for g, lab in zip(run, beam_labels(levels, spans), strict=True):
                g.beam_values = lab


def _voice_items(gs: list[_Group]) -> list[RhythmItem]:
    group_id: dict[int, int] = {}
    for k, bg in enumerate(_beam_groups([g for g in gs if not g.is_rest])):
        for g in bg:
            group_id[id(g)] = k
    return [
        RhythmItem(
            g.value,
            g.dots,
            Fraction(g.tuplet[1], g.tuplet[0]) if g.tuplet else Fraction(1),
            not g.is_rest,
            group_id.get(id(g), -1),
            g.is_rest,
            g.kind == "black" and g.stem is None and not g.grace and g.detected,
            Fraction(g.tuplet_hint[1], g.tuplet_hint[0]) if g.tuplet_hint and not g.tuplet else Fraction(1),
            g.hint_id if g.tuplet_hint and not g.tuplet else -1,
        )
        for g in gs
    ]


def _grace_event(e: Note | Rest | Chord) -> bool:
    """Whether an event is a grace note or grace chord (no duration in its measure)."""
    if isinstance(e, Chord):
        return e.notes[0].grace
    return isinstance(e, Note) and e.grace


def assemble_pages(
    pages: list[tuple[list[Glyph], np.ndarray | None]], config: AssembleConfig | None = None
) -> Assembly:
    """Assemble one piece from its pages, each given as (glyphs, greyscale image or None).

    Staves come from `staff` glyphs, or, when there are none, from the image. Parts are matched across
    systems and pages by their order within the system (a grand staff counts as one part).
    """
    cfg = config or AssembleConfig()
    warnings: list[str] = []
    layouts: list[PageLayout] = []
    reports: list[MeasureReport] = []
    states: list[_PartState] = []
    part_staves_count: list[int] = []
    measure_no = 0
    last_ending: tuple[str, str] | None = None
    total_pages = len(pages)
    for page_i, (raw_glyphs, image) in enumerate(pages):
        glyphs = [
            gl if gl.glyph_id >= 0 else Glyph(gl.class_name, gl.bbox_xyxy, gl.score, 100_000 + k)
            for k, gl in enumerate(raw_glyphs)
        ]
        original = glyphs
        angle = (
            estimate_skew(image, ink_percentile=cfg.skew_ink_percentile)
            if image is not None and cfg.deskew
            else 0.0
        )
        center = (image.shape[1] / 2.0, image.shape[0] / 2.0) if image is not None else (0.0, 0.0)
        upright = image
        image_staves: list[Staff] = []
        if image is not None:
            upright = _rotate_image(image, angle) if abs(angle) >= 0.05 else image
            image_staves = find_staves(upright, refine_lines=cfg.refine_staff_lines)
            if cfg.deskew and not image_staves:
                # no staff line seen in the deskewed page: the angle was measured on other long strokes
                # (beams, slurs) of a page whose staff lines are too faint; take it from where the staff
                # glyphs end on the right (justified lines end at one x), or leave the page as it is
                boxed = skew_from_staff_boxes(glyphs, barlines=cfg.skew_from_barlines)
                angle = boxed if boxed is not None else 0.0
                upright = _rotate_image(image, angle) if abs(angle) >= 0.05 else image
                image_staves = find_staves(upright, refine_lines=cfg.refine_staff_lines)
        if abs(angle) >= 0.05:
            glyphs = deskew_glyphs(glyphs, angle, center)
        staves = staves_from_glyphs(glyphs)
        ink: np.ndarray | None = None
        light_ink: np.ndarray | None = None
        page_ink: np.ndarray | None = None
        if image is not None and upright is not None:
            # staves the symbols miss (a line finder may skip some) come from the page's row profile
            page_ink = ink_mask(upright)  # one mask for every pixel check of the page
            ink = page_ink if cfg.pixel_beams or cfg.pixel_stems else None
            detected = any(g.score < 1.0 for g in glyphs)  # a detector's symbols (not annotations)
            if cfg.ink_endings and detected:
                light_ink = ink_mask(upright, 0.2)
            staves = _merge_staves(staves, image_staves, glyphs if cfg.fill_staves_need_symbols else None)
            if cfg.image_barlines and staves:
                glyphs = glyphs + _new_barlines(
                    glyphs,
                    find_barlines(upright, staves, glyphs, page_ink),
                    staves,
                    cfg.barline_kinds and any(g.score < 1.0 for g in glyphs),
                )
                if not any(g.class_name in ("brace", "bracket") for g in glyphs):
                    # the detector has no class for them: braces (grand staves) and brackets from pixels
                    next_id = max((g.glyph_id for g in glyphs), default=-1) + 1
                    glyphs = glyphs + [
                        replace(c, glyph_id=next_id + k)
                        for k, c in enumerate(find_connectors(upright, staves, page_ink))
                    ]
            if (
                cfg.ink_hairpins
                and staves
                and detected
                and not any(g.class_name.endswith("Hairpin") for g in glyphs)
            ):
                # the detector has no class for hairpins: wedges read from the ink
                next_id = max((g.glyph_id for g in glyphs), default=-1) + 1
                space = float(np.median([st.staff_space_px for st in staves]))
                lines = tuple(y for st in staves for y in st.line_ys)
                glyphs = glyphs + [
                    Glyph(name, box, 0.9, next_id + k)
                    for k, (name, box) in enumerate(ink_hairpins(page_ink, space, lines))
                ]
        if not staves:
            warnings.append(f"page {page_i + 1}: no staves found; nothing to read")
            layouts.append(PageLayout(page_i, (), (), tuple(original), (), angle))
            continue
        systems = group_systems(
            staves,
            glyphs,
            complete=cfg.complete_systems,
            gaps=cfg.systems_from_gaps,
            pair_bars=cfg.gap_pairs_bars,
        )
        voice_of: list[tuple[int, int]] = []
        if image is not None:  # name the word of each combined dynamics glyph from the page's pixels
            space = float(np.median([st.staff_space_px for st in staves]))
            boxes = {g.glyph_id: g.bbox_xyxy for g in original}
            named = []
            for dg in glyphs:
                if dg.class_name == "dynamicText" and dg.score >= cfg.min_dynamic_score:
                    x0, y0, x1, y1 = (int(round(v)) for v in boxes[dg.glyph_id])
                    crop = image[max(0, y0) : y1 + 1, max(0, x0) : x1 + 1]
                    if cfg.dynamic_ink_box and dg.score < 1.0:
                        crop = _ink_box(crop)
                    if cfg.dynamic_fonts:
                        word = match_dynamic_word(
                            _ink_box(crop), cfg.min_dynamic_match, cfg.dynamic_whole_glyphs
                        )
                    else:
                        word = dynamic_word(crop, space)
                    if word:
                        dg = Glyph(f"dynamicWord:{word}", dg.bbox_xyxy, dg.score, dg.glyph_id)
                named.append(dg)
            glyphs = named
        # glyphs to systems by vertical position
        sys_glyphs: list[list[Glyph]] = [[] for _ in systems]
        for gl in glyphs:
            if gl.class_name == "staff":
                continue
            cy = gl.center_xy[1]
            best = min(
                range(len(systems)),
                key=lambda i: (
                    0.0
                    if systems[i].staves[0].top <= cy <= systems[i].staves[-1].bottom
                    else min(abs(cy - systems[i].staves[0].top), abs(cy - systems[i].staves[-1].bottom))
                ),
            )
            sys_glyphs[best].append(gl)
        for sys_i, system in enumerate(systems):
            res = _system_pass(staves, system, sys_glyphs[sys_i], cfg, ink)
            sp = float(np.median([s.staff_space_px for s in system.staves]))
            if light_ink is not None and not any(g.class_name == "ending" for g in sys_glyphs[sys_i]):
                # the detector has no class for endings: volta brackets above the system from the ink
                top = system.staves[0]
                res.endings.extend(
                    volta_lines(
                        light_ink,
                        top.top,
                        (top.x0, top.x1),
                        tuple(a for a, _ in res.regions) + (res.regions[-1][1],),
                        sp,
                        max((st.bottom for st in staves if st.bottom < top.top), default=0.0) + sp,
                        tuple(y for st in staves for y in st.line_ys),
                        res.regions[0][1] - sp,
                    )
                )
            while len(states) < len(system.part_staves):
                states.append(_PartState())
                part_staves_count.append(len(system.part_staves[len(states) - 1]))
                if measure_no > 0:
                    warnings.append(f"page {page_i + 1}: a new part appears after measure {measure_no}")
            n_regions = len(res.regions)
            # groups into regions
            for gr in res.groups:
                gr.measure = next(
                    (i for i, (a, b) in enumerate(res.regions) if a <= gr.x < b),
                    n_regions - 1 if gr.x >= res.regions[-1][1] else 0,
                )
            has_content = [any(gr.measure == i for gr in res.groups) for i in range(n_regions)]
            if res.bar_kinds and res.bar_kinds[-1] == "none" and not has_content[-1]:
                n_regions -= 1
            extra = 0  # measures added by splitting a measure whose barline was missed
            region_ending = _endings_of(res, n_regions, last_ending)
            if any(e is not None for e in region_ending):
                last_ending = next(e for e in reversed(region_ending) if e is not None)
            # the time signature of each region: the commonest reading over all staves of the system
            # (a time signature holds for every part; one staff's digits may be missed or misread)
            sys_times: list[TimeSignature | None] = []
            sys_given: list[bool] = []  # read from annotated (trusted) digits only
            for r in range(n_regions):
                rx0 = res.regions[r][0]
                votes: Counter[TimeSignature] = Counter()
                any_detected = False
                for sid in res.staff_ids:
                    first_x = min(
                        (gr.x for gr in res.groups if gr.staff == sid and gr.measure == r),
                        default=res.regions[r][1],
                    )
                    here = [(x, t) for x, t in res.timelines[sid].times if rx0 - sp <= x < first_x]
                    if here:
                        votes[here[-1][1]] += 1
                        any_detected |= here[-1][0] in res.timelines[sid].detected_times
                sys_times.append(max(votes, key=lambda t: votes[t]) if votes else None)
                sys_given.append(bool(votes) and not any_detected)
            # the time signature as checked by the measures: when most measures of the system are as
            # long as another usual meter and few fit the one read (or carried), the digits were
            # misread (or a change was missed): take the meter the measures show. Not for annotated
            # digits (they are right; the measures then hold two voices or a pickup, not another meter)
            voice_tol = 1.5 * sp if cfg.meter_two_voices else 0.0
            lengths = _measure_lengths(res.groups, res.staff_ids, n_regions, 0.8 * sp, voice_tol=voice_tol)
            drawn = [r for r in range(n_regions) if sys_times[r] is not None]
            span_lengths: dict[int, Counter[Fraction]] = {}
            if cfg.meter_within_span and len(drawn) > (1 if 0 in drawn else 0):
                # a time change inside the line: each time signature is checked by the measures it
                # governs (the 2/4 measures after a change do not say that the 4/4 before it is 2/4)
                for r in range(n_regions):
                    span_a = max((d for d in drawn if d <= r), default=0)
                    span_b = min((d for d in drawn if d > r), default=n_regions)
                    span_lengths[r] = _measure_lengths(
                        res.groups,
                        res.staff_ids,
                        n_regions,
                        0.8 * sp,
                        range(span_a, span_b),
                        voice_tol,
                    )
            in_force = states[0].time if states else None
            given = states[0].time_given if states else False
            for r in range(n_regions):
                in_force = sys_times[r] or in_force
                given = sys_given[r] if sys_times[r] else given
                lengths = span_lengths.get(r, lengths)
                shown = _meter_of(lengths, in_force.beat_type if in_force else 0)
                if (
                    not given
                    and shown is not None
                    and in_force is not None
                    and shown[0].measure_quarters != in_force.measure_quarters
                    and shown[1] >= max(2, 0.4 * sum(lengths.values()))
                    and lengths[in_force.measure_quarters] < shown[1] / 2
                ):
                    warnings.append(
                        f"page {page_i + 1}: time signature {in_force.beats}/{in_force.beat_type} does not"
                        f" fit the measures; read as {shown[0].beats}/{shown[0].beat_type}"
                    )
                    sys_times[r] = in_force = shown[0]
            if states:
                states[0].time_given = given
            # filled voices of the parts laid out so far, per region: anchors for a part whose own
            # staves have none (an accompaniment that pauses under a melody part)
            system_filled: dict[int, list[_Group]] = {}
            for part_i, local in enumerate(system.part_staves):
                st = states[part_i]
                sids = [res.staff_ids[k] for k in local]
                staff_no = {sid: k + 1 for k, sid in enumerate(sids)}
                for r in range(n_regions):
                    rx0, rx1 = res.regions[r]
                    first_of_piece = measure_no + r == 0
                    # attributes at the start of the region
                    clef_changes: list[ClefChange] = []
                    key_fifths = st.key
                    time = st.time
                    for sid in sids:
                        tl = res.timelines[sid]
                        sn = staff_no[sid]
                        region_items = [gr for gr in res.groups if gr.staff == sid and gr.measure == r]
                        first_x = min((gr.x for gr in region_items), default=rx1)
                        head_clefs = [c for x, c in tl.clefs if rx0 - sp <= x < first_x]
                        head_detected = any(
                            x in tl.detected_clefs for x, _ in tl.clefs if rx0 - sp <= x < first_x
                        )
                        # a clef drawn after the last note of the previous measure takes effect here
                        pending = st.pending_clefs.pop(sn, None)
                        start_clef = head_clefs[-1] if head_clefs else pending
                        if (
                            r == 0
                            and head_detected
                            and cfg.clef_continuity
                            and start_clef is not None
                            and pending is None
                            and sn in st.clefs
                            and start_clef != st.clefs[sn]
                            and sn in st.median_pitch
                            and sn not in st.assumed_clefs
                        ):
                            # a clef change at a system's start without a courtesy clef before it is
                            # rare; a misread clef is not: keep the old clef when it keeps the staff's
                            # pitch range (median) much nearer to that of the system before
                            stf0 = staves[sid]
                            pos = [
                                stf0.position_of(h.cy)
                                for gr in res.groups
                                if gr.staff == sid
                                for h in gr.heads
                            ]
                            if pos:
                                med = int(round(float(np.median(pos))))
                                d_new = abs(diatonic_of(start_clef, med) - st.median_pitch[sn])
                                d_old = abs(diatonic_of(st.clefs[sn], med) - st.median_pitch[sn])
                                if d_old + 3 <= d_new:
                                    warnings.append(
                                        f"page {page_i + 1}: a {start_clef.sign} clef read at a system start"
                                        " without a courtesy clef; kept the clef before (pitch range)"
                                    )
                                    start_clef = st.clefs[sn]
                        if start_clef is None and sn not in st.clefs:
                            start_clef = Clef("G", 2) if sn == 1 else Clef("F", 4)
                            st.assumed_clefs.add(sn)
                            warnings.append(
                                f"page {page_i + 1}: no clef on a staff; assumed {start_clef.sign} clef"
                            )
                        if head_clefs:
                            st.assumed_clefs.discard(sn)
                        if start_clef is not None and st.clefs.get(sn) != start_clef:
                            clef_changes.append(ClefChange(sn, start_clef))
                            st.clefs[sn] = start_clef
                        keys_here = [k for x, k in tl.keys if rx0 - sp <= x < first_x]
                        if keys_here and sn == 1:
                            key_fifths = keys_here[-1]
                        elif r == 0 and sn == 1 and st.courtesy_key is not None:
                            # the key announced at the end of the system before, drawn at this system's
                            # start only when it has sharps or flats (a change to C shows nothing here)
                            key_fifths = st.courtesy_key
                    if sys_times[r] is not None:
                        time = sys_times[r]
                    new_key = None
                    if key_fifths is None:
                        key_fifths = 0
                    if key_fifths != st.key:
                        new_key = KeySignature(key_fifths)
                        st.key = key_fifths
                    new_time = None
                    if time is None:
                        time = _guess_time(res.groups, sids, n_regions, 0.8 * sp)
                        warnings.append(
                            f"page {page_i + 1}: no time signature; assumed {time.beats}/{time.beat_type}"
                        )
                    if time != st.time:
                        new_time = time
                        st.time = time
                    expected = time.measure_quarters
                    # measures beside repeat signs are often split anacruses (two parts of one measure)
                    repeats = ("repeatLeft", "repeatRight", "repeatLeftRight") + (
                        ("barlineFinal",) if cfg.final_bar_short else ()
                    )
                    # (not the repeats read from their dots alone: on detector dev pages that left
                    # measures unrepaired that the repair had right)
                    near_repeat = (
                        r < len(res.bar_kinds) and res.bar_kinds[r] in repeats and r not in res.dot_repeats
                    ) or (r > 0 and res.bar_kinds[r - 1] in repeats and r - 1 not in res.dot_repeats)
                    events: list[Event] = []
                    flagged_reasons: list[str] = []
                    edits: list[str] = []
                    scores: list[float] = [sc for sid, x, sc in res.skipped if sid in sids and rx0 <= x < rx1]
                    mid_clefs: list[ClefChange] = []
                    # filled voices of the part's staves so far, and short voices that found none on
                    # their own staff (laid out against the other staff of a grand staff at the end)
                    part_filled: list[_Group] = []
                    deferred: list[tuple[list[_Group], list[RhythmItem], int, list[_Group]]] = []
                    event_at: dict[int, tuple[int, int]] = {}
                    for sid in sids:
                        sn = staff_no[sid]
                        stf = staves[sid]
                        gs = sorted(
                            (gr for gr in res.groups if gr.staff == sid and gr.measure == r),
                            key=lambda g: g.x,
                        )
                        # an unsure hollow head longer than its measure (a breve in 2/4) is a letter, a
                        # beam's end or a slur's loop: no note, but its measure is still flagged as unsure
                        for gr in [
                            gr
                            for gr in gs
                            if gr.kind in ("half", "whole", "breve")
                            and gr.detected
                            and not gr.grace
                            and max(h.glyph.score for h in gr.heads) < cfg.min_hollow_score
                            and note_value(gr.kind, 0) > expected
                        ]:
                            gs.remove(gr)
                            res.groups.remove(gr)
                            scores.extend(h.glyph.score for h in gr.heads)
                        tl = res.timelines[sid]
                        first_x = gs[0].x if gs else rx1
                        # mid-measure clef changes
                        clef_pts = [(x, c) for x, c in tl.clefs if first_x < x < rx1]
                        # pitch (again per voice once the voices are known, see accidentals_per_voice)
                        ties_before = dict(st.open_ties)

                        def read_pitches(
                            gs: list[_Group],
                            per_voice: bool,
                            sn: int = sn,
                            stf: Staff = stf,
                            clef_pts: list[tuple[float, Clef]] = clef_pts,
                            st: _PartState = st,
                        ) -> None:
                            accs: dict[int, AccidentalState] = {}
                            # accidentals by (diatonic, x) of their notes: one in another voice still
                            # marks the notes struck with its note (a unison or a chord shared by voices)
                            struck = [
                                (h.diatonic, g.x, h.accidental[0])
                                for g in gs
                                for h in g.heads
                                if per_voice and h.accidental
                            ]
                            for gr in gs:
                                clef = st.clefs.get(sn, Clef())
                                for x, c in clef_pts:
                                    if x < gr.x:
                                        clef = c
                                acc = accs.setdefault(
                                    gr.voice if per_voice else 0, AccidentalState(st.key or 0)
                                )
                                for h in sorted(gr.heads, key=lambda h: h.glyph.bbox_xyxy[0]):
                                    h.position = stf.position_of(h.cy)
                                    h.diatonic = min(
                                        max(diatonic_of(clef, h.position), 0), 7 * 9 + 6
                                    )  # C0..B9
                                    alt = h.accidental[0] if h.accidental else None
                                    if alt is None and struck:
                                        alt = next(
                                            (
                                                a
                                                for d, x, a in struck
                                                if d == h.diatonic
                                                and abs(x - gr.x) <= 0.5 * stf.staff_space_px
                                            ),
                                            None,
                                        )
                                    tied = (sn, h.diatonic) in st.open_ties
                                    if alt is None and h.tie_stop and tied:
                                        # a note tied over the barline keeps its alteration
                                        h.alter = st.open_ties[(sn, h.diatonic)]
                                    else:
                                        h.alter = acc.apply(h.diatonic, alt)
                                    if cfg.ties_within_measure:
                                        # a later tied note of this height is tied to this one (not to the
                                        # previous measure's) and keeps this one's alteration
                                        if h.tie_start:
                                            st.open_ties[(sn, h.diatonic)] = h.alter
                                        else:
                                            st.open_ties.pop((sn, h.diatonic), None)

                            st.open_ties = {k: v for k, v in st.open_ties.items() if k[0] != sn}
                            for gr in gs:
                                for h in gr.heads:
                                    if h.tie_start:
                                        st.open_ties[(sn, h.diatonic)] = h.alter

                        read_pitches(gs, False)
                        # values
                        for gr in gs:
                            if not gr.is_rest:
                                gr.value = note_value(gr.kind, gr.flags + gr.beam_levels)
                        # voices
                        regular = [g for g in gs if not g.grace]
                        beam_of = {
                            id(g): k
                            for k, bg in enumerate(_beam_groups([g for g in regular if not g.is_rest]))
                            for g in bg
                        }
                        slots = [
                            VoiceSlot(
                                g.x,
                                g.stem_dir,
                                stf.position_of(g.cy),
                                _group_duration(g),
                                g.is_rest,
                                beam_of.get(id(g), -1),
                            )
                            for g in regular
                        ]
                        trusted = not any(g.detected for g in regular)  # annotations, not detections
                        if trusted and cfg.repair:
                            # one voice that one repair edit makes fit (an unmarked triplet) is no
                            # overflow into two voices
                            one = repair_voice(_voice_items(regular), expected)
                            trusted = not (one.fits and one.edit)
                        voices = split_voices(
                            slots,
                            expected,
                            0.8 * sp,
                            split_on_overflow=trusted,
                            stem_exceptions=cfg.stem_exceptions,
                            beams_apart=cfg.beams_apart,
                            whole_rest_voice=cfg.whole_rest_voice,
                        )
                        for g, v in zip(regular, voices, strict=True):
                            g.voice = v
                        for g in gs:
                            if g.grace:
                                nxt = next((o for o in regular if o.x > g.x), None)
                                g.voice = nxt.voice if nxt else 1
                        if cfg.accidentals_per_voice and len({g.voice for g in gs}) > 1:
                            st.open_ties = dict(ties_before)
                            read_pitches(gs, True)
                        # voices that fill the measure first: a shorter voice is then laid out
                        # against them (its notes start where the notes struck with them start)
                        filled: list[_Group] = []
                        for v in sorted(
                            set(g.voice for g in gs),
                            key=lambda v: (
                                _total_of([g for g in gs if g.voice == v and not g.grace]) < expected,
                                v,
                            ),
                        ):
                            vg = [g for g in gs if g.voice == v and not g.grace]
                            lone_rest = len(vg) == 1 and vg[0].is_rest and not vg[0].dots
                            if (
                                len(vg) == 1
                                and vg[0].kind == "whole"
                                and not vg[0].dots
                                and expected == 8
                                and vg[0].detected
                            ):
                                # a breve read as a whole note (the detector misses the breve's side
                                # strokes): the only note of a voice in a measure of two whole notes
                                vg[0].kind, vg[0].value = "breve", Fraction(8)
                            if lone_rest and (
                                vg[0].value in (4, 8)
                                # a whole rest read as a half rest (they differ by a few pixels): the only
                                # event of the staff in a measure a half rest does not fill
                                or (vg[0].value == 2 and expected != 2 and len(gs) == 1 and vg[0].detected)
                            ):
                                vg[0].measure_rest = True
                                vg[0].duration = expected
                                vg[0].onset = Fraction(0)
                                continue
                            if cfg.drop_uncertain > 0 and _total_of(vg) > expected:
                                # a voice one unsure detected event too long (a false head or rest
                                # scored below `drop_uncertain`) loses that event, when exactly one does
                                over = _total_of(vg) - expected
                                unsure = [
                                    g
                                    for g in vg
                                    if g.detected
                                    and max(
                                        [h.glyph.score for h in g.heads]
                                        + ([g.rest_glyph.score] if g.rest_glyph else [])
                                    )
                                    < cfg.drop_uncertain
                                    and _group_duration(g) == over
                                ]
                                if len(unsure) == 1:
                                    gone = unsure[0]
                                    vg.remove(gone)
                                    gs.remove(gone)
                                    res.groups.remove(gone)
                                    scores.extend(h.glyph.score for h in gone.heads)
                                    if gone.rest_glyph is not None:
                                        scores.append(gone.rest_glyph.score)
                            items = _voice_items(vg)
                            # a detector confuses neighbouring rest classes only (annotations: any)
                            rest_nb = cfg.rest_neighbours and any(g.detected for g in vg)
                            # annotated symbols that fall short of the measure are exact: only an
                            # unmarked triplet is theirs to repair (the measure really is short)
                            tiers = (
                                TRUSTED_TIERS
                                if cfg.trusted_repairs_only
                                and _total_of(vg) < expected
                                and (
                                    not any(g.detected for g in vg)
                                    or (cfg.fermata_short and any(g.fermata for g in vg))
                                )
                                else None
                            )
                            anchors = filled + part_filled
                            aligned = (
                                _align_to(vg, items, anchors, expected, 0.8 * sp, seconds=cfg.align_seconds)
                                if cfg.align_voices and anchors
                                else None
                            )
                            if aligned is not None and cfg.repair:
                                # unless one repair edit fills the measure and agrees with the struck
                                # notes too (a missed dot: the gap is the dot's)
                                fix = repair_voice(
                                    items,
                                    expected,
                                    only=tiers,
                                    rest_neighbours=rest_nb,
                                    dotted_pairs=cfg.dotted_pairs,
                                    drop_tuplets=cfg.drop_tuplets_together,
                                    metric_ties=cfg.repair_metric_ties,
                                    beam_bridge=cfg.repair_beam_bridge,
                                    beam_pairs=cfg.repair_beam_pairs,
                                    dot_pairs=cfg.repair_dot_pairs,
                                )
                                if fix.fits and _align_to(
                                    vg,
                                    list(fix.items),
                                    anchors,
                                    expected,
                                    0.8 * sp,
                                    True,
                                    seconds=cfg.align_seconds,
                                ):
                                    aligned = None
                            if aligned is not None:
                                # a voice that pauses (invisible rests, or none written): each note
                                # at the onset of the filled voice's note struck with it
                                for g, it, o in zip(vg, items, aligned, strict=True):
                                    g.onset, g.duration = o, it.duration
                                for g in gs:
                                    if g.grace and g.voice == v:
                                        nxt = next((o for o in vg if o.x > g.x), None)
                                        g.onset = nxt.onset if nxt else vg[-1].onset + vg[-1].duration
                                        g.duration = Fraction(0)
                                continue
                            allow_short = (
                                first_of_piece
                                or v > 1
                                or near_repeat
                                or (
                                    page_i == total_pages - 1
                                    and sys_i == len(systems) - 1
                                    and r == n_regions - 1
                                )
                            )
                            agrees = (
                                _agreement(vg, anchors, expected, 0.8 * sp, cfg.align_seconds)
                                if cfg.repair_agrees and anchors and any(g.detected for g in vg)
                                else None
                            )
                            rep = (
                                repair_voice(
                                    items,
                                    expected,
                                    allow_short,
                                    tiers,
                                    rest_nb,
                                    cfg.dotted_pairs,
                                    agrees,
                                    cfg.drop_tuplets_together,
                                    cfg.repair_metric_ties,
                                    cfg.repair_beam_bridge,
                                    cfg.repair_beam_pairs,
                                    cfg.repair_dot_pairs,
                                )
                                if cfg.repair
                                else None
                            )
                            short = _total_of(vg) < expected and cfg.align_voices and len(sids) > 1
                            if rep is not None and rep.fits:
                                if rep.edit:
                                    edits.append(f"staff {sn} voice {v}: {rep.edit}")
                                    if (
                                        cfg.flag_guessed_repairs
                                        and any(g.detected for g in vg)
                                        and not rep.edit.startswith(_SURE_REPAIRS)
                                    ):
                                        flagged_reasons.append(
                                            f"staff {sn} voice {v}: guessed repair ({rep.edit})"
                                        )
                                elif short:
                                    deferred.append((vg, list(items), -1, gs))
                                items = list(rep.items)
                            else:
                                total = sum((it.duration for it in items), Fraction(0))
                                if short:
                                    deferred.append((vg, list(items), len(flagged_reasons), gs))
                                flagged_reasons.append(
                                    f"staff {sn} voice {v}: {float(total):g} of {float(expected):g} quarters"
                                )
                            onset = Fraction(0)
                            for g, it in zip(vg, items, strict=True):
                                g.value, g.dots = it.value, it.dots
                                if it.scale == 1 and g.tuplet is not None:  # the repair dropped it
                                    g.tuplet, g.tuplet_edge = None, ""
                                if (
                                    it.scale != 1
                                    and g.tuplet is None
                                    and g.tuplet_hint is not None
                                    and it.scale == it.hint_scale
                                ):  # a weak tuplet number the repair took
                                    same_h = [o for o in vg if o.hint_id == g.hint_id and o.tuplet_hint]
                                    g.tuplet = g.tuplet_hint
                                    g.tuplet_edge = (
                                        "start" if g is same_h[0] else "stop" if g is same_h[-1] else ""
                                    )
                                    if g is same_h[0]:
                                        g.extra_glyphs.append(g.hint_id)
                                if (
                                    it.scale == Fraction(2, 3) and g.tuplet is None
                                ):  # a triplet the repair found
                                    same = [
                                        o
                                        for o, jt in zip(vg, items, strict=True)
                                        if jt.beam_group == it.beam_group
                                    ]
                                    g.tuplet = (3, 2)
                                    g.tuplet_edge = (
                                        "start" if g is same[0] else "stop" if g is same[-1] else ""
                                    )
                                g.onset = onset
                                g.duration = it.duration
                                onset += it.duration
                            if onset == expected and (rep is None or rep.fits):
                                filled.extend(vg)
                            for g in gs:
                                if g.grace and g.voice == v:
                                    nxt = next((o for o in vg if o.x > g.x), None)
                                    g.onset = nxt.onset if nxt else onset
                                    g.duration = Fraction(0)
                        part_filled.extend(filled)
                        for x, c in clef_pts:
                            nxt = next((g for g in gs if g.x > x and not g.grace), None)
                            onset_c = nxt.onset if nxt is not None else expected
                            if onset_c >= expected:
                                st.pending_clefs[sn] = c
                                continue
                            mid_clefs.append(ClefChange(sn, c, onset_c))
                            st.clefs[sn] = c
                        # beams
                        for bg in _beam_groups([g for g in gs if not g.is_rest]):
                            spans: list[int] | None = None
                            if not any(g.detected for g in bg):
                                # annotated beams are one glyph per level and piece: count those drawn
                                # between neighbours (a detector's beam boxes may merge levels)
                                spans = []
                                for ga, gb in zip(bg, bg[1:], strict=False):
                                    mid = (ga.x + gb.x) / 2
                                    pieces = {k: (a, b) for k, a, b in ga.beam_x + gb.beam_x}
                                    spans.append(sum(a <= mid <= b for a, b in pieces.values()))
                            elif all(min(g.px_strokes) > 0 or g is bg[0] or g is bg[-1] for g in bg):
                                # detected: the strokes read in the ink on facing sides of two stems
                                spans = [
                                    max(1, min(ga.px_strokes[1], gb.px_strokes[0]))
                                    for ga, gb in zip(bg, bg[1:], strict=False)
                                ]
                            labels = beam_labels([g.beam_levels for g in bg], spans)
                            for g, lab in zip(bg, labels, strict=True):
                                g.beam_values = lab
                        if cfg.beat_beams:
                            _beam_by_beat(gs, time)
                        for g in gs:
                            event_at[id(g)] = (len(events), sn)
                            events.append(_to_event(g, sn))
                            scores.extend(h.glyph.score for h in g.heads)
                            if g.rest_glyph is not None:
                                scores.append(g.rest_glyph.score)
                            for h in g.heads:
                                voice_of.append((h.glyph.glyph_id, _voice_no(g.voice, sn)))
                            if g.rest_glyph is not None:
                                voice_of.append((g.rest_glyph.glyph_id, _voice_no(g.voice, sn)))
                    dropped: set[int] = set()
                    for vg, items, reason_at, gs in deferred:
                        # a short voice with no filled voice on its staff: against the grand staff's
                        # other staff (one hand pauses with an invisible rest)
                        others = [o for o in part_filled if o.staff != vg[0].staff]
                        aligned = (
                            _align_to(vg, items, others, expected, 0.8 * sp, seconds=cfg.align_seconds)
                            if others
                            else None
                        )
                        if aligned is None and cfg.align_across_parts and system_filled.get(r):
                            aligned = _align_to(
                                vg, items, system_filled[r], expected, 0.8 * sp, seconds=cfg.align_seconds
                            )
                        if aligned is None:
                            continue
                        for g, it, o in zip(vg, items, aligned, strict=True):
                            g.onset, g.duration = o, it.duration
                        for g in gs:
                            if g.grace and g.voice == vg[0].voice:
                                nxt = next((o for o in vg if o.x > g.x), None)
                                g.onset = nxt.onset if nxt else vg[-1].onset + vg[-1].duration
                        for g in gs:
                            if g.voice == vg[0].voice and id(g) in event_at:
                                k, sn_g = event_at[id(g)]
                                events[k] = _to_event(g, sn_g)
                        if reason_at >= 0:
                            dropped.add(reason_at)
                    flagged_reasons = [f for k, f in enumerate(flagged_reasons) if k not in dropped]
                    system_filled.setdefault(r, []).extend(part_filled)
                    for sid in sids:
                        # a staff with nothing read in this measure: a whole-measure rest, for review
                        # (grace notes alone too: a measure of no duration breaks MusicXML readers;
                        # music21 fails on the whole file with a division by zero)
                        sn = staff_no[sid]
                        if not any(e.staff == sn and not _grace_event(e) for e in events):
                            blank = (
                                cfg.blank_rests
                                and page_ink is not None
                                and not any(e.staff == sn for e in events)
                                and _blank_staff(page_ink, staves[sid], rx0, rx1, sys_glyphs[sys_i])
                            )
                            events.append(
                                Rest(
                                    Fraction(0),
                                    expected,
                                    "whole",
                                    voice=_voice_no(1, sn),
                                    staff=sn,
                                    measure_rest=True,
                                    hidden=blank,
                                )
                            )
                            if not blank:
                                flagged_reasons.append(f"staff {sn}: no notes or rests read")
                    # directions
                    directions: list[Direction] = []
                    for sid_d, x, kind, value, xc in res.dynamics:
                        if sid_d not in staff_no or not (rx0 <= x < rx1):
                            continue
                        if kind == "dynamic" and cfg.dynamics_anchor_spaces > 0:
                            xc = min(xc, x + cfg.dynamics_anchor_spaces * sp)
                        gs_all = [g for g in res.groups if g.staff in sids and g.measure == r and not g.grace]
                        near = min(gs_all, key=lambda g: (abs(g.x - xc), g.onset), default=None)
                        if kind == "wedge" and value == "stop" and cfg.hairpin_ends:
                            last = max(gs_all, key=lambda g: g.x, default=None)
                            run_end = max((g.onset + g.duration for g in gs_all), default=expected)
                            at_end = min(gs_all, key=lambda g: (abs(g.x - x), g.onset), default=None)
                            if last is None or at_end is None or x > last.x + sp:
                                onset_d = run_end
                            elif at_end is near:  # a short hairpin under one note: it ends at the next one
                                onset_d = min(
                                    (g.onset for g in gs_all if g.onset > at_end.onset), default=run_end
                                )
                            elif (
                                cfg.hairpin_past_head is not None
                                and x > at_end.x + cfg.hairpin_past_head * sp
                            ):  # it ends past the note's head: it stops after the note
                                onset_d = min(
                                    (g.onset for g in gs_all if g.onset > at_end.onset), default=run_end
                                )
                            else:
                                onset_d = at_end.onset
                        elif kind == "wedge" and value == "stop":
                            before = [g for g in gs_all if g.x <= x + sp]
                            onset_d = max((g.onset for g in before), default=Fraction(0))
                        elif near is not None and (
                            (kind == "dynamic" and cfg.dynamics_centred)
                            or (kind == "wedge" and cfg.hairpin_ends)
                        ):
                            onset_d = near.onset
                            if kind == "wedge":
                                # a hairpin that starts where a dynamic does is drawn just after its text
                                word_xs = [
                                    xc_w
                                    for sid_w, x_w, kind_w, _, xc_w in res.dynamics
                                    if kind_w == "dynamic"
                                    and sid_w == sid_d
                                    and -0.5 * sp <= x - (2 * xc_w - x_w) <= 1.5 * sp
                                ]
                                if word_xs:
                                    onset_d = min(
                                        gs_all, key=lambda g: (abs(g.x - word_xs[0]), g.onset)
                                    ).onset
                        else:
                            after = [g for g in gs_all if g.x >= x - sp]
                            onset_d = min((g.onset for g in after), default=Fraction(0))
                        directions.append(Direction(kind, value, onset_d, staff_no[sid_d]))
                    bar = res.bar_kinds[r] if r < len(res.bar_kinds) else "none"
                    prev_bar = (
                        res.bar_kinds[r - 1] if r > 0 else ("repeatLeft" if res.repeat_start_first else "")
                    )
                    right = {
                        "barlineDouble": "light-light",
                        "barlineFinal": "light-heavy",
                        "barlineHeavy": "heavy",
                        "barlineNone": "none",
                    }.get(bar, "regular")
                    if cfg.onset_check:
                        placed = [
                            g
                            for g in res.groups
                            if g.staff in sids and g.measure == r and not g.grace and not g.measure_rest
                        ]
                        if any(g.detected for g in placed):
                            bad = _onsets_at_odds(placed, 0.25 * sp, 1.6 * sp)
                            if bad:
                                flagged_reasons.append(f"onsets at odds with positions ({bad} pairs)")
                    if scores and min(scores) < cfg.review_score:
                        flagged_reasons.append(f"uncertain symbol (detector score {min(scores):.2f})")
                    flagged = bool(flagged_reasons)
                    mean_score = float(np.mean(scores)) if scores else 1.0
                    confidence = round(mean_score * (0.3 if flagged else 0.7 if edits else 1.0), 3)
                    # a measure holding exactly two measures' worth in every voice, with no note across
                    # the middle, lost its barline: split it (only where one part reads the system)
                    split_at: Fraction | None = None
                    if flagged and cfg.repair and len(system.part_staves) == 1 and len(states) == 1:
                        ends: dict[tuple[int, int], Fraction] = {}
                        for e in events:
                            ends[(e.staff, e.voice)] = max(
                                ends.get((e.staff, e.voice), Fraction(0)), e.onset_q + e.duration_q
                            )
                        straddles = any(e.onset_q < expected < e.onset_q + e.duration_q for e in events)
                        uncertain = any(reason.startswith("uncertain") for reason in flagged_reasons)
                        if (
                            ends
                            and not straddles
                            and not uncertain
                            and all(v == 2 * expected for v in ends.values())
                        ):
                            split_at = expected
                    if cfg.ottava:
                        for g in res.groups:
                            if g.staff in sids and g.measure == r and not g.grace and not g.is_rest:
                                num, at = measure_no + r + 1 + extra, g.onset
                                if split_at is not None and at >= split_at:
                                    num, at = num + 1, at - split_at
                                shift = max((h.octave_shift for h in g.heads), key=abs)
                                st.shifts[(num, staff_no[g.staff], at)] = shift
                    if split_at is not None:
                        xs = [
                            g.x
                            for g in res.groups
                            if g.staff in sids and g.measure == r and not g.grace and g.onset >= split_at
                        ]
                        split_x = min(xs) - sp if xs else (rx0 + rx1) / 2
                        first_half = _split_measure(
                            Measure(
                                number=measure_no + r + 1 + extra,
                                events=tuple(events),
                                clefs=tuple(clef_changes) + tuple(mid_clefs),
                                key=new_key,
                                time=new_time,
                                directions=tuple(directions),
                                right_barline=right,
                                repeat_start=prev_bar in ("repeatLeft", "repeatLeftRight"),
                                repeat_end=bar in ("repeatRight", "repeatLeftRight"),
                                ending=region_ending[r],
                                new_system=r == 0,
                                confidence=round(mean_score * 0.7, 3),
                            ),
                            split_at,
                        )
                        st.measures.extend(first_half)
                        ys = [staves[s].top for s in sids] + [staves[s].bottom for s in sids]
                        for k, (a, b) in enumerate(((rx0, split_x), (split_x, rx1))):
                            reports.append(
                                MeasureReport(
                                    part_i,
                                    measure_no + r + 1 + extra + k,
                                    page_i,
                                    _unrotate_box((a, min(ys) - sp, b, max(ys) + sp), angle, center),
                                    False,
                                    round(mean_score * 0.7, 3),
                                    "missed barline: split in two measures",
                                    "",
                                )
                            )
                        extra += 1
                        continue
                    m = Measure(
                        number=measure_no + r + 1 + extra,
                        events=tuple(events),
                        clefs=tuple(clef_changes) + tuple(mid_clefs),
                        key=new_key,
                        time=new_time,
                        directions=tuple(
                            sorted(directions, key=lambda d: (d.onset_q, 0 if d.value == "stop" else 1))
                        ),
                        right_barline=right,
                        repeat_start=prev_bar in ("repeatLeft", "repeatLeftRight"),
                        repeat_end=bar in ("repeatRight", "repeatLeftRight"),
                        ending=region_ending[r],
                        new_system=r == 0,
                        flagged=flagged,
                        confidence=confidence,
                    )
                    st.measures.append(m)
                    ys = [staves[s].top for s in sids] + [staves[s].bottom for s in sids]
                    reports.append(
                        MeasureReport(
                            part_i,
                            measure_no + r + 1 + extra,
                            page_i,
                            _unrotate_box((rx0, min(ys) - sp, rx1, max(ys) + sp), angle, center),
                            flagged,
                            confidence,
                            "; ".join(edits),
                            "; ".join(flagged_reasons),
                        )
                    )
            for part_i, local in enumerate(system.part_staves):
                # a key signature after the system's last barline announces the next system's key
                first_tl = res.timelines[res.staff_ids[local[0]]]
                end_x = res.regions[n_regions - 1][1] if n_regions else float("inf")
                courtesy = [k for x, k in first_tl.keys if x >= end_x - 0.5 * sp]
                states[part_i].courtesy_key = courtesy[-1] if courtesy else None
                for k, local_k in enumerate(local):
                    sid = res.staff_ids[local_k]
                    dia = [
                        h.diatonic for gr in res.groups if gr.staff == sid and not gr.grace for h in gr.heads
                    ]
                    if dia:
                        states[part_i].median_pitch[k + 1] = float(np.median(dia))
            # parts missing from this system get whole-measure rests
            for part_i in range(len(system.part_staves), len(states)):
                st = states[part_i]
                for r in range(n_regions):
                    q = (st.time or TimeSignature()).measure_quarters
                    st.measures.append(
                        Measure(
                            measure_no + r + 1,
                            (Rest(Fraction(0), q, "whole", measure_rest=True),),
                            flagged=True,
                            confidence=0.0,
                        )
                    )
            measure_no += n_regions + extra
        layouts.append(
            PageLayout(page_i, tuple(staves), tuple(systems), tuple(original), tuple(voice_of), angle)
        )
    parts = tuple(
        Part(
            f"P{i + 1}",
            "Piano" if part_staves_count[i] > 1 else f"Part {i + 1}",
            tuple(_ottava_directions(st.measures, st.shifts) if st.shifts else st.measures),
            part_staves_count[i],
        )
        for i, st in enumerate(states)
    )
    # bracketed parts: as drawn on the first system that holds every part
    full = [sy for lay in layouts for sy in lay.systems if len(sy.part_staves) == len(parts)]
    groups = full[0].part_brackets if full and cfg.part_groups else ()
    return Assembly(
        Score(parts, part_groups=groups), tuple(layouts), tuple(reports), tuple(dict.fromkeys(warnings))
    )


def _ink_box(crop: np.ndarray) -> np.ndarray:
    """The crop cut down to the bounding box of its ink (pixels darker than 128); unchanged without ink."""
    ink = crop < 128
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if crop.ndim != 2 or not len(rows):
        return crop
    return crop[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def dynamic_word(crop: np.ndarray, staff_space_px: float) -> str:
    """The word of a combined dynamics glyph ("dynamicText": pp, mp, mf, ff, sf, ...) from its pixels.

    Why: the detector (like the data engine) has one class for all multi-letter dynamics glyphs. Rules
    on the box's aspect and the ink in its top and bottom thirds (p hangs below, f rises above, m sits
    on the line), fitted on generator pages only; rare words (sfz, fz, rf, fp) come out as a neighbour.
    """
    if crop.ndim != 2 or crop.shape[0] < 4 or crop.shape[1] < 2:
        return ""
    ink = crop < 128
    h, w = ink.shape
    top, bottom = float(ink[: h // 3].mean()), float(ink[2 * h // 3 :].mean())
    aspect, height = w / h, h / max(staff_space_px, 1e-6)
    if top >= 0.44:
        if bottom >= 0.2:
            return "ppp" if aspect >= 2.1 else "pp" if height < 2.2 else "fff"
        return "mp"
    if bottom >= 0.23 and aspect >= 1.05 and top >= 0.33:
        return "ff"
    return "sf" if aspect < 1.05 else "mf"


def _endings_of(
    res: _SystemResult, n_regions: int, previous: tuple[str, str] | None
) -> list[tuple[str, str] | None]:
    """Ending (volta) per measure region: (number, type). The number is not read: an ending that follows
    a first ending is the second, any other the first; it stops with a repeat sign, else stays open."""
    out: list[tuple[str, str] | None] = [None] * n_regions
    for x0, x1 in sorted(res.endings):
        covered = [
            r
            for r in range(n_regions)
            if min(x1, res.regions[r][1]) - max(x0, res.regions[r][0])
            > 0.5 * (res.regions[r][1] - res.regions[r][0])
        ]
        if not covered:
            continue
        # one box may hold first and second ending side by side: split it after a repeat sign
        pieces: list[list[int]] = [[]]
        for r in covered:
            pieces[-1].append(r)
            if (
                r != covered[-1]
                and r < len(res.bar_kinds)
                and res.bar_kinds[r] in ("repeatRight", "repeatLeftRight")
            ):
                pieces.append([])
        for piece in pieces:
            number = "2" if previous is not None and previous[0] == "1" else "1"
            last = piece[-1]
            closes = last < len(res.bar_kinds) and res.bar_kinds[last] in ("repeatRight", "repeatLeftRight")
            end_kind = "stop" if closes or number == "1" else "discontinue"
            if len(piece) == 1:
                out[last] = (number, f"start-{end_kind}")
            else:  # measures inside the bracket carry no ending element
                out[piece[0]], out[last] = (number, "start"), (number, end_kind)
            previous = (number, end_kind)
    return out


def _split_measure(m: Measure, at: Fraction) -> tuple[Measure, Measure]:
    """Two measures from one: events, clefs and directions before `at` quarters, and the rest shifted."""

    def shifted(e: Event) -> Event:
        if isinstance(e, Chord):
            return Chord(tuple(replace(n, onset_q=n.onset_q - at) for n in e.notes))
        return replace(e, onset_q=e.onset_q - at)

    first_events = tuple(e for e in m.events if e.onset_q < at)
    second_events = tuple(shifted(e) for e in m.events if e.onset_q >= at)
    ending = m.ending
    first_ending = second_ending = None
    if ending is not None:
        kind = ending[1]
        first_ending = (ending[0], "start") if kind.startswith("start") else None
        end_kind = kind.removeprefix("start-") if kind != "start" else ""
        second_ending = (ending[0], end_kind) if end_kind else None
    first = replace(
        m,
        events=first_events,
        clefs=tuple(c for c in m.clefs if c.onset_q < at),
        directions=tuple(d for d in m.directions if d.onset_q < at),
        right_barline="regular",
        repeat_end=False,
        ending=first_ending,
        flagged=False,
    )
    second = Measure(
        number=m.number + 1,
        events=second_events,
        clefs=tuple(replace(c, onset_q=c.onset_q - at) for c in m.clefs if c.onset_q >= at),
        directions=tuple(replace(d, onset_q=d.onset_q - at) for d in m.directions if d.onset_q >= at),
        right_barline=m.right_barline,
        repeat_end=m.repeat_end,
        ending=second_ending,
        confidence=m.confidence,
    )
    return first, second


def _new_barlines(
    glyphs: list[Glyph], found: list[Glyph], staves: list[Staff], upgrade: bool = True
) -> list[Glyph]:
    """The barlines of `found` that no barline glyph already marks over their height (within a space),
    with fresh glyph ids after the page's; with `upgrade` (detected symbols), also those that only plain
    barline glyphs mark but that the ink shows as a final, double, heavy or repeat barline (the
    detector's line finder reports every barline as a plain one), so that their kind wins in the
    barline cluster."""
    have = [g for g in glyphs if g.class_name in BARLINE_CLASSES or g.class_name == "systemicBarline"]
    next_id = max((g.glyph_id for g in glyphs), default=-1) + 1
    out: list[Glyph] = []
    for f in found:
        fx = f.center_xy[0]
        sp = staves[nearest_staff(staves, f.bbox_xyxy[1])].staff_space_px
        marks = [  # glyphs that already mark it over its whole height (a longer one joins staves: keep it)
            g
            for g in have
            if abs(g.center_xy[0] - fx) <= sp
            and g.bbox_xyxy[1] <= f.bbox_xyxy[1] + sp
            and g.bbox_xyxy[3] >= f.bbox_xyxy[3] - sp
        ]
        richer = (
            upgrade
            and f.class_name != "barline"
            and all(g.class_name in ("barline", "systemicBarline") for g in marks)
        )
        if marks and not richer:
            continue
        out.append(Glyph(f.class_name, f.bbox_xyxy, f.score, next_id + len(out)))
    return out


def _merge_staves(
    from_glyphs: list[Staff], from_image: list[Staff], symbols: list[Glyph] | None = None
) -> list[Staff]:
    """One staff list from the detector's staff glyphs and the page's own staff finder.

    A detector's line finder may miss staves, see part of one, or take a ledger line for a staff line
    (measured on the benchmark pages: 2 of 24 pages fully right); the page's own finder (`find_staves`,
    24 of 24) wins where both see a staff, and glyph staves fill in only where it found none. With
    `symbols`, a filling glyph staff needs a clef, head, rest, key or time signature on it (when the
    page's finder saw any staff).
    """
    out: list[Staff] = list(from_image)
    fill = [g for g in from_glyphs if not any(f.top <= g.bottom and g.top <= f.bottom for f in from_image)]
    if symbols is not None and from_image:
        fill = [st for st in fill if any(_on_staff(g, st) for g in symbols)]
    out += fill
    out.sort(key=lambda st: st.top)
    return [Staff(k, st.line_ys, st.x0, st.x1) for k, st in enumerate(out)]


_STAFF_SYMBOLS = ("clef", "notehead", "rest", "key", "timeSig")


def _on_staff(g: Glyph, st: Staff) -> bool:
    """Whether `g` is a clef, head, rest, key or time signature whose centre lies on staff `st` (two
    spaces above or below it, a space beyond its ends)."""
    if not g.class_name.startswith(_STAFF_SYMBOLS):
        return False
    x, y = g.center_xy
    sp = st.staff_space_px
    return st.top - 2 * sp <= y <= st.bottom + 2 * sp and st.x0 - sp <= x <= st.x1 + sp


def _rotate_image(image: np.ndarray, angle_deg: float) -> np.ndarray:
    """The page rotated back by `angle_deg` about its centre (white fill), same size (`rotated_page`:
    the text readers reuse a read-only page's rotation)."""
    return rotated_page(image, angle_deg)


def _unrotate_box(
    box: tuple[float, float, float, float], angle_deg: float, center: tuple[float, float]
) -> tuple[float, float, float, float]:
    """Axis-aligned box, in the page as given, of a box in the deskewed frame."""
    if abs(angle_deg) < 0.05:
        return box
    a = np.radians(angle_deg)
    c, s = float(np.cos(a)), float(np.sin(a))
    cx, cy = center
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * c - dy * s)
        ys.append(cy + dx * s + dy * c)
    return (min(xs), min(ys), max(xs), max(ys))


def _voice_no(voice: int, staff_no: int) -> int:
    return voice + 4 * (staff_no - 1)


_METERS = ((4, 4), (3, 4), (2, 4), (6, 8), (3, 8), (9, 8), (12, 8), (2, 2), (5, 4))


def _measure_lengths(
    groups: list[_Group],
    sids: list[int],
    n_regions: int,
    x_tol: float = 0.0,
    regions: range | None = None,
    voice_tol: float = 0.0,
) -> Counter[Fraction]:
    """How often each measure length (quarters, one staff's events summed, as read) occurs over the
    regions (all, or `regions`) and staves; lone rests (they fill any meter), empty measures and measures
    with two voices (an up and a down stem struck together, within `x_tol` pixels: the sum of both voices
    is no measure length) are left out; with `voice_tol` > 0 (pixels) also measures where an up and a
    down stem stand within it (two voices whose heads a second apart are set side by side) or a rest
    stands at a note's x within it (the rest is another voice's)."""
    lengths: Counter[Fraction] = Counter()
    for r in regions if regions is not None else range(n_regions):
        for sid in sids:
            gs = [g for g in groups if g.staff == sid and g.measure == r and not g.grace]
            ups = [g.x for g in gs if g.stem_dir == "up"]
            if any(abs(u - g.x) <= x_tol for u in ups for g in gs if g.stem_dir == "down"):
                continue
            if voice_tol > 0 and (
                any(abs(u - g.x) <= voice_tol for u in ups for g in gs if g.stem_dir == "down")
                or any(abs(a.x - b.x) <= voice_tol for a in gs if a.is_rest for b in gs if not b.is_rest)
            ):
                continue
            total = Fraction(0)
            for g in gs:
                value = g.value if g.is_rest else note_value(g.kind, g.flags + g.beam_levels)
                scale = Fraction(g.tuplet[1], g.tuplet[0]) if g.tuplet else Fraction(1)
                total += value * (2 - Fraction(1, 2**g.dots)) * scale
            if total > 0 and not (len(gs) == 1 and gs[0].is_rest):
                lengths[total] += 1
    return lengths


def _meter_of(lengths: Counter[Fraction], beat_type: int = 0) -> tuple[TimeSignature, int] | None:
    """The usual meter whose measure length is the commonest in `lengths`, with its count; among meters
    of that length, one with the given beat type (the digits' lower number, read) wins: 6/8 over 3/4."""
    for total, count in lengths.most_common():
        fits = [(b, t) for b, t in _METERS if Fraction(4 * b, t) == total]
        if fits:
            b, t = next(((b, t) for b, t in fits if t == beat_type), fits[0])
            return TimeSignature(b, t), count
    return None


def _guess_time(groups: list[_Group], sids: list[int], n_regions: int, x_tol: float = 0.0) -> TimeSignature:
    """A time signature for music that shows none (or whose digits were missed): the commonest measure
    length over the system's measures and the part's staves that matches a usual meter, else 4/4.

    Why the commonest and not the first: a pickup, a misread value or a missed note makes single
    measures wrong, but rarely most of them the same way.
    """
    found = _meter_of(_measure_lengths(groups, sids, n_regions, x_tol))
    return found[0] if found else TimeSignature(4, 4)


def _to_event(g: _Group, staff_no: int) -> Event:
    voice = _voice_no(g.voice, staff_no)
    if g.is_rest:
        glyph_ids = (g.rest_glyph.glyph_id,) if g.rest_glyph is not None else ()
        return Rest(
            onset_q=g.onset,
            duration_q=g.duration,
            note_type="whole" if g.measure_rest else note_type_of(g.value),
            dots=0 if g.measure_rest else g.dots,
            voice=voice,
            staff=staff_no,
            measure_rest=g.measure_rest,
            tuplet=g.tuplet,
            tuplet_edge=g.tuplet_edge,
            fermata=g.fermata,
            glyph_ids=glyph_ids + tuple(g.extra_glyphs),
        )
    ntype = note_type_of(g.value)
    if g.grace and g.kind == "black":
        ntype = note_type_of(Fraction(1, 2 ** min(5, max(1, g.flags + g.beam_levels))))
    notes: list[Note] = []
    heads = sorted(g.heads, key=lambda h: -h.cy)  # bottom to top
    for k, h in enumerate(heads):
        d = min(max(h.diatonic + 7 * h.octave_shift, 0), 7 * 9 + 6)
        pitch_step = "CDEFGAB"[d % 7]
        notes.append(
            Note(
                pitch=Pitch(pitch_step, h.alter, d // 7),
                onset_q=g.onset,
                duration_q=g.duration,
                note_type=ntype,
                dots=g.dots,
                voice=voice,
                staff=staff_no,
                stem=g.stem_dir,
                accidental=h.accidental[1] if h.accidental else "",
                tie_start=h.tie_start,
                tie_stop=h.tie_stop,
                slur_start=g.slur_start and k == 0,
                slur_stop=g.slur_stop and k == 0,
                tuplet=g.tuplet,
                tuplet_edge=g.tuplet_edge if k == 0 else "",
                grace=g.grace,
                grace_slash=g.grace_slash,
                articulations=tuple(g.articulations) if k == 0 else (),
                ornaments=tuple(g.ornaments) if k == 0 else (),
                fermata=g.fermata and k == 0,
                beams=g.beam_values if k == 0 else (),
                glyph_ids=(
                    h.glyph.glyph_id,
                    *([h.accidental_glyph] if h.accidental_glyph >= 0 else []),
                    *h.dot_glyphs,
                    *h.tie_glyphs,
                )
                + (tuple(g.extra_glyphs) if k == 0 else ()),
            )
        )
    return notes[0] if len(notes) == 1 else Chord(tuple(notes))
