"""Software modules: ChangeDUState, its persisted jobs, an exactly-once DUStateChangeComplete,
AutonomousDUStateChangeComplete and Device.SoftwareModules.* over the device's ExecEnvHandlers.

A peer of the transfer queue in cwmpd.transfers: it fetches packages with the same HTTP
client (TLS policy, size budget) and persists each step before acting on it, like a
transfer. Wiring: cwmpd.transfers.du.setup.
"""
