"""Users, role memberships, login sessions and throttling."""
