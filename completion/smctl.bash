# bash completion for smctl(1): commands, global options and each command's
# options.  Installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/smctl.

_smctl()
{
	local cur prev words cword
	_init_completion || return

	local commands="status reload deliveries retry lint expand cadence calendar"
	local global="-c -s --help --version"

	# The command is the first word that is neither an option nor the
	# value of -c or -s.
	local i cmd=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-c | -s) ((i++)) ;;
		-*) ;;
		*)
			cmd=${words[i]}
			break
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
	--from | --to | --limit | --history)
		return
		;;
	--period)
		if [[ $cmd == cadence ]]; then
			COMPREPLY=($(compgen -W "day week month" -- "$cur"))
		fi
		return
		;;
	--platform)
		# The platforms of the config named by -c, when it is readable.
		local conf="" j
		for ((j = 1; j < cword; j++)); do
			[[ ${words[j]} == -c ]] && conf=${words[j + 1]}
		done
		[[ -r $conf ]] && COMPREPLY=($(compgen -W "$(sed -n \
			's/^[[:space:]]*\[platform:\([^]]*\)\].*/\1/p' "$conf")" \
			-- "$cur"))
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
	lint) opts="--json --help" ;;
	expand) opts="--from --to --tz --all --json --help" ;;
	cadence) opts="--period --history --platform --json --help" ;;
	calendar) opts="--week --month --from --platform --json --help" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == lint || $cmd == expand ]]; then
		_filedir ics
	fi
} &&
	complete -F _smctl smctl
