"""The integrator's room: the device-plugin contract, loading, mapping files, check-plugin."""
