"""Organisations, capability offers and needs, and the federated network map."""
