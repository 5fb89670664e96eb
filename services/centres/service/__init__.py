"""Use cases of the centres service: load, call the domain, stage rows and events, leave the commit.

Errors::

    CentresError (domain, 422)         a request the rules refuse
    ├── NotFoundError (404)            no such centre, booking, volunteer ...
    ├── OutOfScopeError (403)          the acting person may not touch this centre or record
    └── IdConflictError (409)          an id is reused for different content
"""
