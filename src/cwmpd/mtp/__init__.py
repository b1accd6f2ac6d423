"""USP Message Transfer Protocols on the reactor: how USP Records travel (MQTT first)."""
