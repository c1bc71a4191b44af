"""Grading: the check vocabulary judged over a run's event log, the grader, reports, mutation testing and the pytest plugin."""
