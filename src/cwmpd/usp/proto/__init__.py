"""Protobuf modules generated from the BBF USP 1.4 schemas by ``cwmpd.usp.generate``."""
