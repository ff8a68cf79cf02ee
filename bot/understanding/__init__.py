"""Understanding a citizen's message: normalising and reading it (text, language, lexicon), what it asks for
(router, dates and times, branches) and which knowledge base entry answers it (matching, semantic, decision).
Pure functions of the text and the prepared knowledge: no storage, no provider, no clock but the one passed in."""
