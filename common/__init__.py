"""The ground floor: settings, the document store, the authority register, locks and
process lifetime, formatting. It imports nothing of the project's."""
