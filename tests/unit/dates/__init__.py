"""taskservice.dates: zones, RFC 5545 rules and their series, on their own."""
