"""The local control socket: cwmpctl's commands and their wire format."""
