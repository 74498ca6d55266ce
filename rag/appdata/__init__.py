"""The app's own records: the database, accounts, sign-in sessions, insights for coaches."""
