# Benchmark: a program that does nothing, for the fixed cost of `ipcviz run` over a plain run.
