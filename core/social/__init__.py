"""Social media and public opinion: posts in, monitors, sentiment, alerts, incidents."""
