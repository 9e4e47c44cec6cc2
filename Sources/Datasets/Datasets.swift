// The Datasets module. See README.md for the data flow.
