"""Work built from many runs: warm-start coaching, hyper-parameter tuning, distilling a
strategy into a plan, the timing study and the speed benchmark."""
