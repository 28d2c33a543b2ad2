"""The `stratengine` command line: demo, land, fetch, synth, update, research, portfolio."""
