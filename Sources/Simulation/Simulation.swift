// The Simulation module. See README.md for the data flow.
