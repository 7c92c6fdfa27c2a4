"""Review: what analysts do with suggestions (decisions, undo, bulk actions) and the evidence
their decisions establish. A service layer: no HTTP here; the web app and the CLI call it."""
