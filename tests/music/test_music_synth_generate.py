"""The random score generator: written MusicXML is consistent (ties paired, accidentals shown where needed)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from frontline.music.synth.generate import GenerateConfig, random_score, score_to_musicxml

_SHARPS, _FLATS = "FCGDAEB", "BEADGCF"


def _key_alter(fifths: int, step: str) -> int:
    if fifths > 0 and step in _SHARPS[:fifths]:
        return 1
    if fifths < 0 and step in _FLATS[:-fifths]:
        return -1
    return 0


@pytest.mark.parametrize("seed", range(8))
def test_ties_pair_up_in_any_measure_range(seed: int) -> None:
    score = random_score(np.random.default_rng(seed), GenerateConfig(rare_boost=3.0))
    n = score.n_measures
    for start, stop in ((0, n), (1, n - 1), (n // 3, 2 * n // 3)):
        xml = score_to_musicxml(score, start, stop)
        assert xml.count('<tie type="start"/>') == xml.count('<tie type="stop"/>')
        assert xml.count('<tuplet type="start"') == xml.count('<tuplet type="stop"')
        assert xml.count('<slur type="start"') == xml.count('<slur type="stop"')


@pytest.mark.parametrize("seed", range(8))
def test_a_changed_alteration_is_always_drawn(seed: int) -> None:
    """Where a note's alteration differs from the key and earlier accidentals, an accidental is printed,
    so the page shows the pitch the MusicXML claims (per staff and voice, within the measure)."""
    xml = score_to_musicxml(random_score(np.random.default_rng(seed), GenerateConfig(rare_boost=3.0)))
    for part in re.findall(r"<part id=.*?</part>", xml, re.S):
        fifths = 0
        for measure in re.findall(r"<measure .*?</measure>", part, re.S):
            k = re.search(r"<fifths>(-?\d+)</fifths>", measure)
            fifths = int(k.group(1)) if k else fifths
            state: dict[tuple[str, str, str, int], int] = {}
            for note in re.findall(r"<note>.*?</note>", measure, re.S):
                p = re.search(r"<step>(\w)</step>(?:<alter>(-?\d)</alter>)?<octave>(\d)</octave>", note)
                if p is None:
                    continue
                step, alter, octave = p.group(1), int(p.group(2) or 0), int(p.group(3))
                voice = re.search(r"<voice>(\d+)</voice>", note)
                staff = re.search(r"<staff>(\d+)</staff>", note)
                key = (voice.group(1) if voice else "1", staff.group(1) if staff else "1", step, octave)
                in_force = state.get(key, _key_alter(fifths, step))
                tied = '<tie type="stop"/>' in note
                if alter != in_force and not tied:
                    assert "<accidental" in note, f"{step}{alter:+d}{octave} drawn without its accidental"
                state[key] = alter


def test_long_notes_knob_draws_more_whole_notes_and_default_is_unchanged() -> None:
    """`long_notes` multiplies the share of whole notes (training data for the rarer heads); 1.0 is the default."""

    def wholes(cfg: GenerateConfig) -> int:
        xml = "".join(score_to_musicxml(random_score(np.random.default_rng(s), cfg)) for s in range(6))
        return xml.count("<type>whole</type>")

    base = wholes(GenerateConfig())
    assert wholes(GenerateConfig(long_notes=1.0)) == base
    assert wholes(GenerateConfig(long_notes=5.0)) > 2 * base


def test_generated_voices_share_the_accidentals_of_their_staff() -> None:
    from frontline.music.synth.generate import _Note, _share_accidentals

    def note(d: int, alter: int, show: str, dur: int = 480) -> _Note:
        return _Note(
            dur, "quarter", pitches=[d], alters=[alter], show_acc=[show], tie_start=[False], tie_stop=[False]
        )

    # C major; voice 2 sharpens diatonic step 33 on beat 1, voice 1 plays it natural on beat 3 (its own
    # first accidental-free note there); the natural must be shown
    upper = [note(35, 0, "", 960), note(33, 0, "", 960)]
    lower = [note(33, 1, "show"), note(30, 0, "", 1440)]
    _share_accidentals([[upper], [lower]], [0])
    assert upper[1].show_acc == ["show"] and upper[0].show_acc == [""]
    assert lower[0].show_acc == ["show"] and lower[1].show_acc == [""]


def test_directions_of_a_multi_staff_part_name_their_staff() -> None:
    """music21 copies a staff-less dynamic onto every staff of a piano part; the page draws one."""
    from music21 import converter, dynamics

    checked = 0
    for seed in range(40):
        score = random_score(np.random.default_rng(seed), GenerateConfig(rare_boost=3.0))
        xml = score_to_musicxml(score)
        for part in re.findall(r"<part id.*?</part>", xml, re.S):
            if "<staves>" not in part or "<dynamics>" not in part:
                continue
            for d in re.findall(r"<direction\b.*?</direction>", part, re.S):
                assert re.search(r"<staff>\d</staff>(<sound[^>]*/>)?</direction>$", d), d
            checked += 1
        if checked and "<dynamics>" in xml and "<staves>" in xml:
            parsed = converter.parseData(xml, format="musicxml")
            drawn = len(re.findall(r"<dynamics>", xml))
            read = len(list(parsed.recurse().getElementsByClass(dynamics.Dynamic)))
            assert read == drawn
            return
    pytest.fail("no generated piano part with dynamics in 40 seeds")
