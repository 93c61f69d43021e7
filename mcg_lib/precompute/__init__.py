"""Precomputed answers: chains among popular artists and the daily puzzles, as static JSON."""
