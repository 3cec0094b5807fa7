"""One module per chapter, each defining SPEC: the chapter's parameters and their values per profile."""
