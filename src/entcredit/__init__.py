"""entcredit: a provincial enterprise credit information aggregation and publicity platform."""

__version__ = "0.1.0"
