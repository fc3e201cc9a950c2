# Doxygen 1.9.4 misreads C++14 digit separators (20'000): after one, a
# `///<` comment and the `///` block below it merge, for the rest of the
# file. The Doxyfile filters the headers through this script; lines keep
# their numbers.
s/\([0-9]\)'\([0-9]\)/\1\2/g
