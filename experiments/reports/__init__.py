"""What a user reads: the HTML report and its figures, the `explain` page, policy cards,
time-space diagrams and timing sheets."""
