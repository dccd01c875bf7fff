"""Abnormal operations list and serious illegal dishonest list: the pure domain core.

See ``entcredit.lists.rules`` for the public API.
"""
