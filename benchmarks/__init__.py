"""Benchmarks of the service against a bare-WSGI baseline; ``make bench`` runs them."""
