"""Tests of the shipped scenarios beyond the self-test: plausible wrong answers must fail."""
