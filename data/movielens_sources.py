"""Placeholder replaced by the MovieLens sources module."""
