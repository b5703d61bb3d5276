"""Reading, validating and loading spreadsheets (CSV and Excel) into the performance store."""
