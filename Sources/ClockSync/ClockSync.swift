// ClockSync
