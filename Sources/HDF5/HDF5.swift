// Swift layer over libhdf5. See README.md.
