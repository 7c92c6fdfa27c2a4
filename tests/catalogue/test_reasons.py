"""Reject reasons and their keyboard keys come from the catalogue, for any number of commitments."""

from __future__ import annotations

from tests.conftest import CATALOGUE
from triage.catalogue import load_catalogue
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.reasons import allowed_codes, reasons_for
from triage.catalogue.schema import Exclusion


def test_shipped_catalogue_keeps_its_eight_reasons_and_keys():
    found = reasons_for(CatalogueIndex.from_catalogue(load_catalogue(CATALOGUE)))
    assert [r.key for r in found] == list("12345678")
    assert [r.code for r in found][-2:] == ["border_enforcement_c18", "other"]
    assert found[-2].label == "Belongs to commitment 18: Migration and Refugees: Border Management"


def test_every_exclusion_adds_a_reason_with_its_own_key():
    cat = load_catalogue(CATALOGUE)
    # Commitments 1-18 exclude evidence of the next (2-19; 18 is also excluded by 19): 18 reasons.
    for c in cat.commitments[:-1]:
        if c.number != 19:
            c.exclusions = [Exclusion(description="elsewhere", belongs_to=c.number + 1)]
    index = CatalogueIndex.from_catalogue(cat)
    found = reasons_for(index)
    codes = [r.code for r in found]
    assert len(codes) == len(set(codes)) == 6 + 18 + 1
    assert "belongs_to_c2" in codes and "border_enforcement_c18" in codes and codes[-1] == "other"
    keys = [r.key for r in found if r.key]
    assert len(keys) == len(set(keys)) == 22  # single keys; the last few are chosen with the mouse
    assert "a" not in keys and "r" not in keys and "e" not in keys and "n" not in keys  # review shortcuts stay free
    assert {"border_enforcement_c18", "belongs_to_c5"} <= allowed_codes(index)
