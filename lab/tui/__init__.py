"""The Textual lab: catalogue, workbench with a live cluster view, grading, hints, progress."""

__all__: list[str] = []
