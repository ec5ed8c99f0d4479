"""nqbot's storage: the SQLModel tables, the campaign file format, and the queries on them."""
