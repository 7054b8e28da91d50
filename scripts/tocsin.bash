# bash completion for tocsin (installed as share/bash-completion/completions/tocsin)
_tocsin()
{
    local cur prev words cword
    _init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; }
    local commands="migrate playbook simulate trigger list show todo vote approve reject abstain complete ack escalate cancel amend delegate undelegate audit report watch actor key contact notifications engine status serve help"
    local global="--db --as --json --sign-with --help --version"
    local cmd="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --db|--as) ((i++)) ;;
            -*) ;;
            *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    case $prev in
        --format)
            if [[ $cmd == contact ]]; then COMPREPLY=($(compgen -W "json slack" -- "$cur"))
            elif [[ $cmd == report ]]; then COMPREPLY=($(compgen -W "md html" -- "$cur"))
            else COMPREPLY=($(compgen -W "dot mermaid text json csv" -- "$cur")); fi
            return ;;
        --severity) COMPREPLY=($(compgen -W "extreme severe moderate minor unknown" -- "$cur")); return ;;
        --mode) COMPREPLY=($(compgen -W "actual exercise test" -- "$cur")); return ;;
        --status) COMPREPLY=($(compgen -W "active closed cancelled all" -- "$cur")); return ;;
        --tz) COMPREPLY=($(cd /usr/share/zoneinfo 2>/dev/null && compgen -f -- "$cur")); return ;;
        --script|--dir|--actions-dir|--out|--sign-with|--file|--keys|--heads) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    local opts=""
    case $cmd in
        "") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
        migrate) opts="--status --dir" ;;
        playbook) opts="validate graph load list show --format" ;;
        simulate) opts="--script" ;;
        trigger) opts="--input --inputs --title --severity --mode --parties --key --wait --no-wait" ;;
        list) opts="--status --playbook --party --mode --severity --since --until --limit" ;;
        show) opts="--tz --format" ;;
        todo) opts="--tz" ;;
        vote) opts="approve reject abstain --state --party --reason --key --wait --no-wait" ;;
        approve|reject|abstain) opts="--state --party --reason --key --wait --no-wait" ;;
        complete) opts="--state --party --outcome --data --key --wait --no-wait" ;;
        ack) opts="--state --party --key --wait --no-wait" ;;
        escalate) opts="--state --reason --key --wait --no-wait" ;;
        cancel) opts="--reason --key --wait --no-wait" ;;
        amend) opts="--input --inputs --reason --key --wait --no-wait" ;;
        delegate) opts="--seat --to --for --until --reason --key --wait --no-wait" ;;
        undelegate) opts="--seat --reason --key --wait --no-wait" ;;
        audit) opts="verify export head --format --file --keys --heads" ;;
        report) opts="--format" ;;
        engine) opts="--actions-dir --once --id --batch --workers --notify-limit --notify-timeout --smtp --mail-from --board-url --no-deliveries --poll --verbose" ;;
        serve) opts="--listen --verbose" ;;
        actor) opts="add list grant revoke history --seat --observer --login" ;;
        key) opts="generate register revoke list --out" ;;
        contact) opts="add list remove --email --webhook --format --tz" ;;
        notifications) opts="" ;;
        status) opts="--prometheus" ;;
        help) opts=$commands ;;
    esac
    COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
    if [[ $cmd == playbook || $cmd == simulate ]] && [[ $cur != -* ]]; then
        COMPREPLY+=($(compgen -f -X '!*.json' -- "$cur"))
    fi
}
complete -F _tocsin tocsin
