// The Training module. See README.md for the data flow.
