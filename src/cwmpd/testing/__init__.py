"""Public test helpers for cwmpd and integrators: a scriptable ACS."""
