"""Getting residents to sign up: campaigns, flyers and the sign-up figures."""
