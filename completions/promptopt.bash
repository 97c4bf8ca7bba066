# bash completion for promptopt: commands, each command's flags (read from
# its --help, so they never drift), project names for --project, files for
# --config and the like. Installed by `make install` into
# share/bash-completion/completions/promptopt.
_promptopt()
{
	local cur prev cmd words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run init status diff batch respond cache bench --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--project)
		words=$(ls -d prompt_tuning_results_* 2>/dev/null | sed 's/^prompt_tuning_results_//')
		COMPREPLY=($(compgen -W "$words pr-faq-validator ticket-router" -- "$cur"))
		return ;;
	--provider|--generate-provider|--judge-provider|--mutate-provider)
		COMPREPLY=($(compgen -W "sim bridge anthropic openai" -- "$cur"))
		return ;;
	--strategy)
		COMPREPLY=($(compgen -W "reflect hillclimb opro ga demos" -- "$cur"))
		return ;;
	--progress)
		COMPREPLY=($(compgen -W "plain bar none" -- "$cur"))
		return ;;
	--accept)
		COMPREPLY=($(compgen -W "greedy paired" -- "$cur"))
		return ;;
	--config|--prices|--cache|--json|--results-dir|--docs-dir|--dir|--bridge-dir|--results-root|--out|--report)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [ "$cmd" = cache ] && [ "$COMP_CWORD" -eq 2 ]; then
		COMPREPLY=($(compgen -W "stats clear" -- "$cur"))
		return
	fi
	case $cur in
	-*)
		words=$(promptopt "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
	*)
		[ "$cmd" = diff ] && COMPREPLY=($(compgen -W "last previous" -f -- "$cur")) ;;
	esac
}
complete -F _promptopt promptopt
