# fish completion for wishbox
complete -c wishbox -f
complete -c wishbox -n __fish_use_subcommand -a features -d "every tool's methods on this kernel"
complete -c wishbox -n __fish_use_subcommand -a "(wishbox --list 2>/dev/null)" -d tool
complete -c wishbox -s l -l list -d 'list the tools'
complete -c wishbox -l install -r -F -d 'create a link per tool in DIR'
complete -c wishbox -l hardlinks -d 'with --install: hard links'
complete -c wishbox -l force -d 'with --install: replace files and shadow commands'
complete -c wishbox -s J -l json -n '__fish_seen_subcommand_from features' -d 'JSON output'
complete -c wishbox -s h -l help -d 'display help'
complete -c wishbox -s V -l version -d 'display version'
