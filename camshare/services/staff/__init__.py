"""Staff accounts: passwords, TOTP second factor, sessions (the role table is ``permissions``)."""
