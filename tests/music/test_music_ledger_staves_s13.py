"""Rows of ledger lines found as staves, and copies of a staff, are dropped (degraded quartet page)."""

from __future__ import annotations

from frontline.music.lines import _without_ledger_staves

SP = 10.0


def test_ledger_rows_beside_a_staff_and_copies_go_real_staves_stay() -> None:
    real = [(205, 132, 1150, 179), (205, 252, 1150, 299), (141, 1151, 1147, 1198), (140, 1267, 1143, 1314)]
    ledger_rows = [(205, 90, 604, 134), (391, 305, 600, 351), (987, 307, 1118, 353)]  # high and low notes
    copy = [(141, 1268, 1146, 1315)]
    kept = _without_ledger_staves([*real, *ledger_rows, *copy], SP, 0.6)
    assert len(kept) == 4 and sorted(round(k[1], -1) for k in kept) == [130, 250, 1150, 1270]
    # staves that nearly touch (a tight grand staff) and a short staff far from others stay
    tight = [(100, 100, 900, 140), (100, 141, 900, 181), (100, 400, 500, 440)]
    assert _without_ledger_staves(list(tight), SP, 0.6) == tight
    # with no width share only copies go: the ledger rows stay
    assert len(_without_ledger_staves([*real, *ledger_rows, *copy], SP, 0.0)) == 7
