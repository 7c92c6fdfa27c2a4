"""Exports: score and evidence tables (CSV, XLSX, JSON), report drafts (Markdown, DOCX) and
plots. Every export is a function returning str or bytes, so the CLI writes files and the
web app offers downloads from the same code."""
