"""The evidence pack: what goes into the ZIP (contents), the documents in it (documents), replacing
personal data (pseudonymise) and writing the ZIP with its manifest (builder)."""
