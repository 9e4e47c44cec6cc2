// The HLS module. See README.md for the data flow.
