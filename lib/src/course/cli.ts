#!/usr/bin/env node
// Placeholder: the course command line (run notebooks, render the site, kernel, lab) is being written.
console.log("seqlab course cli: not yet implemented");
