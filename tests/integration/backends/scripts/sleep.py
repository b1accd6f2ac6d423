#!/usr/bin/env python3
"""Never answers in time: sleeps 60 seconds."""

import time

time.sleep(60)
