"""Scores: the catalogue's rule applied to accepted evidence, and averages as reports print them."""
