"""Monitors: brand and product watchlists over social posts, written as boolean keyword rules.

rules    the rule language: parser, immutable AST, normalization and one-off matching
matcher  many rules compiled into one Aho-Corasick automaton, one pass over each post
"""
