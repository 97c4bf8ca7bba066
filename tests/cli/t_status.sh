. "$HERE/lib.sh"
expect_exit 10 "$PO" status --project nothing-here
expect_grep err.txt "no project 'nothing-here' here"
expect_exit 0 "$PO" init fresh
expect_exit 0 "$PO" status --project fresh
expect_grep out.txt "No run yet"
expect_exit 2 "$PO" status
expect_exit 3 "$PO" status --project ../x
