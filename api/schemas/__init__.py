"""Request and response bodies of the API: explicit models, never the tables themselves."""
