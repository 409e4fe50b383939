"""One controller per resource; thin: parse, call core, shape the answer."""
