"""Logger hooks: they average the log buffer every `interval` iterations and write it somewhere."""
