"""Bundled example: a small engraved page with its ground-truth symbols and MusicXML (used by `frontline music demo`)."""
