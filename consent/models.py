"""Consent records arrive with the consent issue; until then no consent exists, so nothing crosses."""
