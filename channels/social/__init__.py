"""Social connectors: X, Mastodon, Meta (Facebook/Instagram), RSS/Atom, and a generic webhook."""
