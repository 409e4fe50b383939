"""Routing (D1, D6-D8, D10): presence, capacity, priority ranking, offers and assignment."""
