"""An owner after sign-up: account, locations, links, standing, withdrawal, re-confirmation."""
