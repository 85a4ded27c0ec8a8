# fish completion for wishbox

# wishbox TOOL ARGS: the completions of TOOL for ARGS. Installed, each tool's
# completion is also there for the command wishbox-TOOL, which no package's
# command of the same name can have replaced.
function __wishbox_delegate
    set -l tokens (commandline -opc)
    set -l tool $tokens[2]
    set -l cmd wishbox-$tool
    # fish autoloads completions only for commands that exist: load it.
    if not complete -c $cmd | string length -q
        for dir in $fish_complete_path
            if test -f $dir/$cmd.fish
                source $dir/$cmd.fish
                break
            end
        end
    end
    if not complete -c $cmd | string length -q
        set cmd $tool
    end
    complete -C (string join ' ' -- $cmd (string escape -- $tokens[3..-1]) (commandline -ct))
end

function __wishbox_no_tool
    set -l tokens (commandline -opc)
    for t in $tokens[2..-1]
        string match -q -- '-*' $t; or return 1
    end
end

function __wishbox_installing
    contains -- --install (commandline -opc)
end

complete -c wishbox -f
complete -c wishbox -n '__wishbox_no_tool; and not __wishbox_installing' -a features -d "every tool's methods on this kernel"
complete -c wishbox -n '__wishbox_no_tool; and not __wishbox_installing' -a "(wishbox --list 2>/dev/null)" -d tool
complete -c wishbox -n '__wishbox_installing' -a '(__fish_complete_directories)'
complete -c wishbox -n __wishbox_no_tool -s l -l list -d 'list the tools'
complete -c wishbox -n __wishbox_no_tool -l install -d 'create a link per tool in DIR'
complete -c wishbox -n __wishbox_no_tool -l hardlinks -d 'with --install: hard links'
complete -c wishbox -n __wishbox_no_tool -l force -d 'with --install: replace files and shadow commands'
complete -c wishbox -n '__fish_seen_subcommand_from features' -s J -l json -d 'JSON output'
complete -c wishbox -n __wishbox_no_tool -s h -l help -d 'display help'
complete -c wishbox -n __wishbox_no_tool -s V -l version -d 'display version'
complete -c wishbox -n 'not __wishbox_no_tool; and not __fish_seen_subcommand_from features; and not __wishbox_installing' -a '(__wishbox_delegate)'
