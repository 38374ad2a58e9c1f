module lab14check

go 1.26.0

require github.com/nfstrace/nfstrace v0.0.0

replace github.com/nfstrace/nfstrace => /work/main
