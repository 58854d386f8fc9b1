# bash completion for smctl(1): commands, global options and each command's
# options.  Installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/smctl.

_smctl()
{
	local cur prev words cword
	_init_completion || return

	local commands="status add list show cancel done next export reload deliveries retry metric report goals lint expand cadence calendar"
	local global="-c -s --help --version"

	# The command is the first word that is neither an option nor the
	# value of -c or -s; the config is -c's (anywhere), else the default.
	local i cmd="" conf=/etc/smcal/smcal.conf
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-c | --config)
			conf=${words[i + 1]}
			((i++))
			;;
		-s) ((i++)) ;;
		-*) ;;
		*)
			[[ -z $cmd ]] && cmd=${words[i]}
			;;
		esac
	done

	case $prev in
	-c)
		_filedir conf
		return
		;;
	-s)
		_filedir sock
		return
		;;
	--from | --to | --limit | --at | --title | --body | --type | \
		--persona | --campaign | --url | --occurrence | --history | --map)
		return
		;;
	--platform | --calendar)
		# Names from the config's [platform:NAME] or [calendar:NAME]
		# sections (and the queue, a calendar of its own).
		local kind=${prev#--} names=""
		[[ -r $conf ]] && names=$(sed -n "s/^[[:space:]]*\[[[:space:]]*$kind:[[:space:]]*\([^][:space:]]*\)[[:space:]]*\].*/\1/Ip" \
			"$conf" | tr '[:upper:]' '[:lower:]')
		[[ $kind == calendar ]] && names="$names queue"
		COMPREPLY=($(compgen -W "$names" -- "$cur"))
		return
		;;
	--period)
		if [[ $cmd == cadence ]]; then
			COMPREPLY=($(compgen -W "day week month" -- "$cur"))
		fi
		return
		;;
	--status)
		COMPREPLY=($(compgen -W "draft scheduled cancelled done" -- "$cur"))
		return
		;;
	--file)
		_filedir '@(csv|jsonl|ndjson|json)'
		return
		;;
	--body-file)
		_filedir
		return
		;;
	-o | --output)
		_filedir ics
		return
		;;
	--period)
		COMPREPLY=($(compgen -W "week month day" -- "$cur"))
		return
		;;
	--by)
		COMPREPLY=($(compgen -W "platform type persona campaign" -- "$cur"))
		return
		;;
	--tz)
		local zones
		zones=$(cd /usr/share/zoneinfo 2>/dev/null &&
			find . -type f ! -name '*.tab' ! -name '*.zi' \
				! -path './posix/*' ! -path './right/*' |
			sed 's|^\./||')
		COMPREPLY=($(compgen -W "UTC $zones" -- "$cur"))
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	local opts=""
	case $cmd in
	status | reload) opts="--json --help" ;;
	deliveries) opts="--failed --pending --limit --json --help" ;;
	retry) opts="--json --help" ;;
	add) opts="--at --platform --title --body --body-file --type --persona --campaign --url --draft --allow-past --file --json --help" ;;
	list) opts="--from --to --platform --status --calendar --json --help" ;;
	show | cancel) opts="--occurrence --calendar --json --help" ;;
	done) opts="--occurrence --url --calendar --json --help" ;;
	next) opts="--platform --json --help" ;;
	export) opts="--from --to --output --help" ;;
	metric) opts="import --occurrence --at --platform --map --partial --dry-run --json --help" ;;
	report) opts="--period --by --from --to --json --csv --help" ;;
	goals) opts="--json --help" ;;
	lint) opts="--json --help" ;;
	expand) opts="--from --to --tz --all --json --help" ;;
	cadence) opts="--period --history --platform --json --help" ;;
	calendar) opts="--week --month --from --platform --json --help" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == lint || $cmd == expand ]]; then
		_filedir ics
	elif [[ $cmd == metric && ${words[cword - 1]} == import ]]; then
		_filedir csv
	fi
} &&
	complete -F _smctl smctl
