"""Records: the engine every record type shares (create, read, change, delete, log), the four
types, their links, listing and history."""
