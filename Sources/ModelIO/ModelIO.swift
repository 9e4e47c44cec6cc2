// The ModelIO module. See README.md for the data flow.
