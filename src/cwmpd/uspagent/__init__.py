"""The USP Agent on the shared data model: messages, LocalAgent, and the MTP endpoint."""
