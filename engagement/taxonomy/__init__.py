"""Causes and skills: the vocabulary missions and volunteer profiles are described with."""
