"""Tests for the pure simulator modules in lab.sim."""
