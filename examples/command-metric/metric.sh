#!/bin/sh
# A promptopt command metric in plain shell (needs jq): full marks for a
# reply of at most 120 words, falling to nothing at 240. One JSON line in
# per case, one out: {"score": 0..1, "feedback": "..."}.
while IFS= read -r line; do
	words=$(printf '%s' "$line" | jq -r '.output' | wc -w)
	if [ "$words" -le 120 ]; then
		echo '{"score": 1}'
	elif [ "$words" -ge 240 ]; then
		printf '{"score": 0, "feedback": "Keep the reply under 120 words (it has %d)."}\n' "$words"
	else
		jq -cn --argjson w "$words" \
			'{score: ((240 - $w) / 120), feedback: "Keep the reply under 120 words (it has \($w))."}'
	fi
done
