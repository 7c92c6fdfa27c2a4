"""The rules backend: a rules file beside the catalogue, compiled once, matched fast."""
