"""Staff accounts: passwords, TOTP second factor, sessions, roles and what each may do."""
