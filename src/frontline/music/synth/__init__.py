"""The DeepScores-style data engine: random and corpus music engraved by Verovio, every symbol annotated.

Public entry points (import from the submodules; nothing heavy is imported here):
- `page.make_page(rng, PageConfig(...))` -> SynthPage: one page in memory (image, annotations, MusicXML).
- `dataset.synthesize(SynthConfig(...))` -> SynthSummary: a dataset folder on disk.
- `dsv2.load_page_annotations(json_path)` -> (list[Glyph], meta): read one page's ground truth.
- `page.eval_pages(n, seed)`: pages engraved from the reserved evaluation corpus folders (benchmarks only);
  on disk: `synthesize(SynthConfig(..., source="eval"))` or `frontline music synth --source eval`.
- `classes`: the vocabulary (DeepScoresV2 ids and names plus frontline extensions).
"""
