"""Data governance (issue 5): six-dimension quality rules over the analytics snapshot,
findings with their lifecycle, rectification rates and circulars."""
