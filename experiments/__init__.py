"""What is compared and what it showed: experiment specs, runs, metrics, reports and the CLI."""
