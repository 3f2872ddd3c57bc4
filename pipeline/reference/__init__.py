"""Reference data shipped with Pipeline: the Local Government Service List and its mapping."""
