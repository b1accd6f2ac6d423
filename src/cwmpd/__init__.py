"""cwmpd: a TR-069 (CWMP) CPE agent on Twisted."""

__version__ = "0.1.0"
