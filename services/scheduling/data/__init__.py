"""Reference data of the scheduling domain: areas and unfavourable dates, each with source and check date."""
