"""Users, roles, permissions, password policy and sign-in."""
