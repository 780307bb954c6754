"""What the stored runs show: statistics, the comparison and its cautions, where a learned
policy stands, and what each strategy's signals did (`explain`)."""
