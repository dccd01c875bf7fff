"""Synthetic province generator: files in the exchange standard plus ground truth."""

from entcredit.synth.generator import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
