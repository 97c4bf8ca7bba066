. "$HERE/lib.sh"
# What `make install` puts in place besides the binary: a man page per
# command (each documents every flag of the command's --help, and groff reads
# it without a warning), bash and zsh completion, and promptopt.pc where
# pkg-config looks by default under /usr/local. The install itself is not
# run here (it would touch the build folder's install log): meson's
# introspection says what it installs where.
SRC=$(cd "$HERE/../.." && pwd)
B=$(dirname "$PO")
for c in run init status diff batch respond cache bench; do
	page=$SRC/man/promptopt-$c.1
	expect_file "$page"
	"$PO" $c --help | sed "/^Exit codes:/,\$d" > help.txt
	for f in $(grep -o -- '--[a-z][a-z-]*' help.txt | sort -u); do
		grep -qF -- "$(echo "$f" | sed 's/-/\\-/g')" "$page" ||
			die "man page promptopt-$c.1 does not document $f"
	done
done
if command -v groff >/dev/null 2>&1; then
	groff -man -Tutf8 -ww -z "$SRC"/man/*.1 2>groff.txt
	[ ! -s groff.txt ] || die "groff warnings: $(cat groff.txt)"
else
	echo "note: groff not installed; the man pages were not linted"
fi
if command -v meson >/dev/null 2>&1 && [ -f "$B/meson-info/intro-installed.json" ]; then
	meson introspect --installed "$B" > installed.json
	python3 - <<'PY' || die "install layout: $(cat installed.json)"
import json
d = set(json.load(open('installed.json')).values())
pre = [p[:-len('/bin/promptopt')] for p in d if p.endswith('/bin/promptopt')][0]
pages = {'promptopt'} | {'promptopt-' + c for c in
         'run init status diff batch respond cache bench'.split()}
for p in pages:
    assert pre + '/share/man/man1/%s.1' % p in d, p
assert pre + '/share/bash-completion/completions/promptopt' in d
assert pre + '/share/zsh/site-functions/_promptopt' in d
assert any(p.endswith('/pkgconfig/promptopt.pc') for p in d)
PY
else
	echo "note: no meson introspection for $B; the install layout was not checked"
fi
# bash completion: commands, a command's flags, a flag's values
if command -v bash >/dev/null 2>&1; then
	PATH=$B:$PATH bash -c '
		. "$1/completions/promptopt.bash"
		COMP_WORDS=(promptopt st); COMP_CWORD=1; _promptopt; echo "1: ${COMPREPLY[*]}"
		COMP_WORDS=(promptopt run --itera); COMP_CWORD=2; _promptopt; echo "2: ${COMPREPLY[*]}"
		COMP_WORDS=(promptopt run --progress b); COMP_CWORD=3; _promptopt; echo "3: ${COMPREPLY[*]}"
		COMP_WORDS=(promptopt status --hist); COMP_CWORD=2; _promptopt; echo "4: ${COMPREPLY[*]}"
	' sh "$SRC" > comp.txt
	expect_line comp.txt "1: status"
	expect_line comp.txt "2: --iterations"
	expect_line comp.txt "3: bar"
	expect_line comp.txt "4: --history"
fi
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$SRC/completions/_promptopt" || die "zsh completion does not parse"
fi
