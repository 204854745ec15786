"""Groups, discussions and participation (FEP-1b12 Group actors)."""
