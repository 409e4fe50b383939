"""SLA: business-hours calendars and the working-time arithmetic SLA clocks are built on."""
