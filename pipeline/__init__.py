"""infracast: articles about AI infrastructure, turned into two-host podcast episodes."""

__version__ = "0.1.0"
