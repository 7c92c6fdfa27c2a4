"""Classification: the pre-filter, the rules and LLM backends, the service that runs them, evaluation.

Entry points: `triage.classify.service.classify_pending` (the stage, for the CLI and the
scheduler) and `triage.classify.eval.evaluate` (scores a backend against gold items).
"""
