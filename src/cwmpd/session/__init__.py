"""The CWMP session with the ACS and the scheduling of sessions."""
