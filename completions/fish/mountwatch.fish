# fish completion for mountwatch

# The last item of a comma-separated list: the items before it stay.
function __wishbox_mountwatch_list
    set -l tok (commandline -ct)
    set tok (string replace -r -- '^--?[A-Za-z-]*=' '' "$tok")
    set -l head (string match -r -- '^.*,' "$tok")
    printf '%s\n' "$head"$argv
end

complete -c mountwatch -f
complete -c mountwatch -s T -l target -x -a '(__fish_complete_directories)' -d 'only mounts on PATH'
complete -c mountwatch -l under -x -a '(__fish_complete_directories)' -d 'only mounts on PATH or below it'
complete -c mountwatch -s t -l types -x -a '(__wishbox_mountwatch_list (string replace -r "^.*\t" "" </proc/filesystems) (string replace -r "^.*\t" "no" </proc/filesystems))' -d 'only these filesystem types'
complete -c mountwatch -s S -l source -r -F -d 'only mounts of SRC'
complete -c mountwatch -s e -l events -x -a '(__wishbox_mountwatch_list attach detach move change all)' -d 'event kinds'
complete -c mountwatch -s c -l count -x -d 'exit after N events'
complete -c mountwatch -l timeout -x -d 'exit 3 after DURATION'
complete -c mountwatch -l until-mounted -x -a '(__fish_complete_directories)' -d 'exit as soon as PATH is a mount point'
complete -c mountwatch -l until-unmounted -x -a '(__fish_complete_directories)' -d 'exit as soon as PATH is not a mount point'
complete -c mountwatch -s N -l mntns -x -a '(__fish_complete_pids)' -d 'watch the mount namespace of PID or PATH'
complete -c mountwatch -l initial -d 'first print every existing mount'
complete -c mountwatch -s J -l json -d 'JSON Lines output'
complete -c mountwatch -s P -l pairs -d 'KEY="value" output'
complete -c mountwatch -s q -l quiet -d 'print no events'
complete -c mountwatch -l method -x -a 'auto fanotify mountinfo' -d 'method'
complete -c mountwatch -s v -l verbose -d 'say which method is used and why'
complete -c mountwatch -s h -l help -d 'display help'
complete -c mountwatch -s V -l version -d 'display version'
