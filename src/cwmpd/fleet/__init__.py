"""``cwmpd fleet``: many simulated CPEs in one process and one reactor, to load-test an ACS.

Each device is a real agent (session engine, events, data model, transfers); what all
devices share (schema, plugin module) is loaded once. See README, "Fleet".
"""
