"""Locale formats that correct Django's (FORMAT_MODULE_PATH in config/settings/base.py)."""
