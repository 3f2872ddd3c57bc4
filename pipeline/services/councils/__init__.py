"""Councils: the directory of UK councils and each council's profile page."""
