# perlasm
