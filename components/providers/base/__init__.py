"""What every provider shares: the contract (`contract`), HTTP and logins (`http`), REST services (`service`)."""
