// The Pipeline module. See README.md for the data flow.
